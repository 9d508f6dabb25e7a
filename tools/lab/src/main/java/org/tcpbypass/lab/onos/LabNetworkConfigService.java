package org.tcpbypass.lab.onos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.onosproject.event.ListenerRegistry;
import org.onosproject.net.config.Config;
import org.onosproject.net.config.ConfigFactory;
import org.onosproject.net.config.NetworkConfigEvent;
import org.onosproject.net.config.NetworkConfigListener;
import org.onosproject.net.config.NetworkConfigRegistryAdapter;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ONOS's network configuration subsystem: apps register config factories; the lab posts JSON for a subject
 * and config key, as {@code onos-netcfg} would, and listeners hear CONFIG_ADDED / CONFIG_UPDATED.
 */
public final class LabNetworkConfigService extends NetworkConfigRegistryAdapter {

    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, ConfigFactory> factories = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> json = new ConcurrentHashMap<>();
    private final ListenerRegistry<NetworkConfigEvent, NetworkConfigListener> listeners = new ListenerRegistry<>();

    @Override
    public void registerConfigFactory(ConfigFactory factory) {
        factories.put(factory.configClass().getName(), factory);
    }

    @Override
    public void unregisterConfigFactory(ConfigFactory factory) {
        factories.remove(factory.configClass().getName());
    }

    @Override
    public Set<ConfigFactory> getConfigFactories() {
        return Set.copyOf(factories.values());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <S, C extends Config<S>> ConfigFactory<S, C> getConfigFactory(Class<C> configClass) {
        return factories.get(configClass.getName());
    }

    @Override
    public <S, C extends Config<S>> C getConfig(S subject, Class<C> configClass) {
        JsonNode node = json.get(id(subject, configClass));
        return node == null ? null : build(subject, configClass, node);
    }

    @Override
    public <S, C extends Config<S>> C addConfig(S subject, Class<C> configClass) {
        return applyConfig(subject, configClass, mapper.createObjectNode());
    }

    @Override
    public <S, C extends Config<S>> C applyConfig(S subject, Class<C> configClass, JsonNode node) {
        C previous = getConfig(subject, configClass);
        C config = build(subject, configClass, node);
        if (!config.isValid()) {
            throw new IllegalArgumentException("invalid " + configClass.getSimpleName() + ": " + node);
        }
        json.put(id(subject, configClass), node);
        NetworkConfigEvent.Type type = previous == null ? NetworkConfigEvent.Type.CONFIG_ADDED
                : NetworkConfigEvent.Type.CONFIG_UPDATED;
        listeners.process(new NetworkConfigEvent(type, subject, config, previous, configClass));
        return config;
    }

    @SuppressWarnings("unchecked")
    private <S, C extends Config<S>> C build(S subject, Class<C> configClass, JsonNode node) {
        ConfigFactory<S, C> factory = factories.get(configClass.getName());
        if (factory == null) {
            throw new IllegalStateException("no config factory registered for " + configClass.getName());
        }
        C config = factory.createConfig();
        config.init(subject, factory.configKey(), node, mapper, c -> { });
        return config;
    }

    private static String id(Object subject, Class<?> configClass) {
        return subject + "/" + configClass.getName();
    }

    @Override
    public void addListener(NetworkConfigListener listener) {
        listeners.addListener(listener);
    }

    @Override
    public void removeListener(NetworkConfigListener listener) {
        listeners.removeListener(listener);
    }
}
