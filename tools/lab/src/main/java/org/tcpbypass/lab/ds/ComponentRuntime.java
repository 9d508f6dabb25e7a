package org.tcpbypass.lab.ds;

import org.onlab.osgi.ServiceDirectory;
import org.onlab.osgi.ServiceNotFoundException;
import org.osgi.service.component.ComponentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Manifest;

/**
 * A stand-in for the OSGi DS runtime (Felix SCR in ONOS's Karaf): reads the component descriptors that bnd
 * wrote into the project's bundles (the Service-Component manifest header), instantiates each component,
 * injects its references (fields or bind methods) from a service registry, calls its activate method with a
 * ComponentContext carrying its properties, registers the services it provides, and deactivates in reverse
 * order. Components are activated as soon as their mandatory references are satisfied, as DS does.
 */
public final class ComponentRuntime implements ServiceDirectory, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ComponentRuntime.class);

    private final Map<String, Object> services = new LinkedHashMap<>();
    private final List<Map.Entry<Object, ComponentDescription>> active = new ArrayList<>();
    private final Map<String, String> unsatisfied = new LinkedHashMap<>();
    private final Map<String, ClassLoader> bundleLoaders = new LinkedHashMap<>();

    /**
     * Registers a service, as a bundle's activator or another component would.
     *
     * @param type service interface
     * @param impl implementation
     * @param <T>  service type
     */
    public synchronized <T> void register(Class<T> type, T impl) {
        services.put(type.getName(), impl);
    }

    @Override
    public synchronized <T> T get(Class<T> serviceClass) {
        Object s = services.get(serviceClass.getName());
        if (s == null) {
            throw new ServiceNotFoundException("Service " + serviceClass.getName() + " not found");
        }
        return serviceClass.cast(s);
    }

    /**
     * Activates every DS component of the bundles on the class path whose symbolic name starts with a prefix.
     *
     * @param bundlePrefix e.g. "org.tcpbypass"
     * @return implementation class names of the components activated, in activation order
     */
    public synchronized List<String> activateBundles(String bundlePrefix) {
        List<ComponentDescription> pending = new ArrayList<>(descriptions(bundlePrefix));
        List<String> activated = new ArrayList<>();
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = false;
            for (ComponentDescription d : new ArrayList<>(pending)) {
                String missing = missingReference(d);
                if (missing == null) {
                    activate(d);
                    activated.add(d.implementation);
                    pending.remove(d);
                    progress = true;
                }
            }
        }
        for (ComponentDescription d : pending) {
            unsatisfied.put(d.implementation, missingReference(d));
            log.warn("component {} stays unsatisfied: no {}", d.implementation, missingReference(d));
        }
        return activated;
    }

    /**
     * Returns the components that could not be activated and the reference each lacked.
     *
     * @return implementation class to missing service interface
     */
    public synchronized Map<String, String> unsatisfied() {
        return Collections.unmodifiableMap(unsatisfied);
    }

    /**
     * Returns an active component by implementation class.
     *
     * @param type implementation class
     * @param <T>  type
     * @return the instance
     */
    public synchronized <T> T component(Class<T> type) {
        return active.stream().map(Map.Entry::getKey).filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException(type.getName() + " is not active"));
    }

    private String missingReference(ComponentDescription d) {
        return d.references.stream().filter(r -> r.mandatory && !services.containsKey(r.service))
                .map(r -> r.service).findFirst().orElse(null);
    }

    private void activate(ComponentDescription d) {
        try {
            Class<?> type = Class.forName(d.implementation, true, d.loader);
            var ctor = type.getDeclaredConstructor();
            ctor.setAccessible(true);
            Object instance = ctor.newInstance();
            for (ComponentDescription.Reference r : d.references) {
                Object service = services.get(r.service);
                if (service == null) {
                    continue;
                }
                if (!r.field.isEmpty()) {
                    Field f = field(type, r.field);
                    f.setAccessible(true);
                    f.set(instance, r.multiple ? new ArrayList<>(List.of(service)) : service);
                } else if (!r.bind.isEmpty()) {
                    Method m = method(type, r.bind);
                    m.setAccessible(true);
                    m.invoke(instance, service);
                }
            }
            invokeLifecycle(instance, d.activate, d);
            active.add(Map.entry(instance, d));
            for (String s : d.services) {
                services.put(s, instance);
            }
            log.info("activated {}", d.implementation);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot activate " + d.implementation + ": " + cause, cause);
        }
    }

    private static void invokeLifecycle(Object instance, String name, ComponentDescription d)
            throws ReflectiveOperationException {
        Method m = lifecycleMethod(instance.getClass(), name);
        if (m == null) {
            return;
        }
        m.setAccessible(true);
        Object[] args = new Object[m.getParameterCount()];
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == ComponentContext.class) {
                args[i] = context(d.properties);
            } else if (Map.class.isAssignableFrom(types[i])) {
                args[i] = Collections.unmodifiableMap(new java.util.HashMap<>(d.properties));
            } else if (types[i] == int.class || types[i] == Integer.class) {
                args[i] = 0;
            }
        }
        m.invoke(instance, args);
    }

    private static Method lifecycleMethod(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name) && !Modifier.isStatic(m.getModifiers())) {
                    return m;
                }
            }
        }
        return null;
    }

    private static ComponentContext context(Dictionary<String, Object> properties) {
        return (ComponentContext) Proxy.newProxyInstance(
                ComponentRuntime.class.getClassLoader(), new Class<?>[]{ComponentContext.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getProperties":
                            return properties;
                        case "toString":
                            return "lab ComponentContext " + properties;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            // Bundle and service-reference access has no meaning outside an OSGi framework.
                            return null;
                    }
                });
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                // declared higher up
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }

    private static Method method(Class<?> type, String name) throws NoSuchMethodException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name) && m.getParameterCount() == 1) {
                    return m;
                }
            }
        }
        throw new NoSuchMethodException(type.getName() + "." + name);
    }

    // A bundle's class space is its Bundle-ClassPath (a WAB keeps its classes under WEB-INF/classes).
    private static ClassLoader bundleLoader(String base, String bundleClassPath) throws IOException {
        ClassLoader parent = ComponentRuntime.class.getClassLoader();
        if (bundleClassPath == null || bundleClassPath.trim().equals(".")) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (String entry : bundleClassPath.split(",")) {
            String e = entry.trim();
            urls.add(new URL(e.equals(".") ? base : base + (e.endsWith("/") ? e : e + "/")));
        }
        return new URLClassLoader(urls.toArray(new URL[0]), parent);
    }

    /**
     * Returns the class loader of a bundle whose components were read.
     *
     * @param symbolicName bundle symbolic name
     * @return its class space
     */
    public synchronized ClassLoader bundleClassLoader(String symbolicName) {
        ClassLoader l = bundleLoaders.get(symbolicName);
        if (l == null) {
            throw new IllegalStateException("no bundle " + symbolicName + " was read");
        }
        return l;
    }

    private List<ComponentDescription> descriptions(String bundlePrefix) {
        List<ComponentDescription> result = new ArrayList<>();
        try {
            ClassLoader cl = ComponentRuntime.class.getClassLoader();
            Enumeration<URL> manifests = cl.getResources("META-INF/MANIFEST.MF");
            while (manifests.hasMoreElements()) {
                URL url = manifests.nextElement();
                Manifest mf;
                try (InputStream in = url.openStream()) {
                    mf = new Manifest(in);
                }
                String bsn = mf.getMainAttributes().getValue("Bundle-SymbolicName");
                String components = mf.getMainAttributes().getValue("Service-Component");
                if (bsn == null || !bsn.startsWith(bundlePrefix) || components == null) {
                    continue;
                }
                String base = url.toString().substring(0, url.toString().length() - "META-INF/MANIFEST.MF".length());
                ClassLoader loader = bundleLoader(base, mf.getMainAttributes().getValue("Bundle-ClassPath"));
                bundleLoaders.put(bsn, loader);
                for (String path : components.split(",")) {
                    try (InputStream in = new URL(base + path.trim()).openStream()) {
                        result.add(ComponentDescription.parse(in, loader));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundle manifests", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot parse a component descriptor: " + e, e);
        }
        return result;
    }

    /** Deactivates every active component, last activated first. */
    @Override
    public synchronized void close() {
        Collections.reverse(active);
        for (Map.Entry<Object, ComponentDescription> c : active) {
            try {
                invokeLifecycle(c.getKey(), c.getValue().deactivate, c.getValue());
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("deactivating {} failed: {}", c.getValue().implementation, e.toString());
            }
        }
        active.clear();
    }
}
