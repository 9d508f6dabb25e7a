package org.tcpbypass.rest;

import org.onlab.rest.AbstractWebApplication;

import java.util.Set;

/**
 * tcp-bypass's REST application: its resources and its web page, plus ONOS's standard filters, writers and error
 * mappers.
 */
public class BypassWebApplication extends AbstractWebApplication {

    @Override
    public Set<Class<?>> getClasses() {
        return getClasses(OffloadWebResource.class,
                          ConnectionWebResource.class,
                          ProxyWebResource.class,
                          StatisticsWebResource.class,
                          UiWebResource.class,
                          OffloadExceptionMapper.class);
    }
}
