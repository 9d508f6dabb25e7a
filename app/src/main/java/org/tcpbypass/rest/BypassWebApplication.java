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
        return getClasses(ConnectionWebResource.class,
                          ProxyWebResource.class,
                          StatisticsWebResource.class,
                          UiWebResource.class,
                          OffloadExceptionMapper.class);
    }

    // One instance serves every offload request (it keeps no request state; Jersey injects its @Context fields as
    // proxies to the current request's): a new one per request, each with its own ObjectMapper, built through HK2,
    // took 2.6 % of the lab JVM's CPU in the offload benchmark (async-profiler), where proxies call it twice per
    // hand-off.
    @Override
    public Set<Object> getSingletons() {
        return Set.of(new OffloadWebResource());
    }
}
