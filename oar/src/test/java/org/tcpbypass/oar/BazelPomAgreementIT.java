package org.tcpbypass.oar;

import org.junit.BeforeClass;
import org.junit.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The Bazel BUILD files (building the bundles and the app inside an ONOS 2.x source tree at apps/tcp-bypass) and
 * the poms name the same dependencies. Bazel has no transitive dependencies, so a BUILD may use ONOS 2.7's
 * dependency lists (CORE_DEPS, TEST_REST, ...: tools/build/bazel/generate_workspace.bzl), which bring more than
 * the pom names; but every pom dependency must be in the BUILD, directly or through such a list, and every label
 * the BUILD names itself must be a pom dependency. Labels and artifacts compare by artifact id with '.' and '-'
 * as '_' ({@code //core/api:onos-api-tests} is onos-api's tests classifier, {@code @jackson_databind//jar}
 * jackson-databind); {@code //apps/tcp-bypass/DIR:...} is this project's module in DIR, and its {@code -tests}
 * label the module's test-jar.
 */
public class BazelPomAgreementIT {

    private static final Map<String, String> MODULES = Map.of(
            "pipeconf", "tcp-bypass-pipeconf", "app", "tcp-bypass-app",
            "cli-commands", "tcp-bypass-cli", "web-gui", "tcp-bypass-gui");

    /** The pom artifacts each of ONOS 2.7's lists carries (among others the poms do not name). */
    private static final Map<String, Set<String>> ONOS_LISTS = Map.of(
            "CORE_DEPS", Set.of("onos_api", "onlab_misc", "onlab_osgi"),
            "JACKSON", Set.of("jackson_databind"),
            "KRYO", Set.of(),
            "REST", Set.of("javax_ws_rs_api", "onlab_rest"),
            "CLI", Set.of("onos_cli", "org_apache_karaf_shell_core"),
            "TEST_ADAPTERS", Set.of("onos_api_tests", "onos_core_common", "onlab_junit"),
            "TEST_REST", Set.of("onos_api_tests", "onos_core_common", "onlab_junit", "onlab_osgi_tests",
                                "jersey_hk2", "jersey_test_framework_provider_jetty"));

    /** Pom dependencies ONOS 2.7's Bazel workspace lacks, with the test the BUILD excludes for want of each. */
    private static final Map<String, Map<String, String>> MAVEN_ONLY = Map.of(
            "web-gui", Map.of("angularjs", "org.tcpbypass.gui.BypassViewPageTest"));

    private static File root;
    private static Map<String, String> managedScopes;

    @BeforeClass
    public static void read() throws Exception {
        root = new File(System.getProperty("repo.root"));
        managedScopes = new HashMap<>();
        NodeList deps = child(child(pom("pom.xml"), "dependencyManagement"), "dependencies")
                .getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element dep = (Element) deps.item(i);
            managedScopes.put(artifact(dep), text(dep, "scope", "compile"));
        }
    }

    private static Element pom(String path) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new File(root, path))
                .getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && n.getNodeName().equals(name)) {
                return (Element) n;
            }
        }
        return null;
    }

    private static String text(Element parent, String name, String fallback) {
        Element e = child(parent, name);
        return e == null ? fallback : e.getTextContent().trim();
    }

    private static String normalized(String artifactId) {
        return artifactId.replaceAll("[.-]", "_");
    }

    // This project's modules by artifact (its plain "classes" jar is the module too); others by id and classifier.
    private static String artifact(Element dep) {
        String id = text(dep, "artifactId", "");
        if (text(dep, "groupId", "").equals("org.tcpbypass")) {
            return "module:" + id + (text(dep, "type", "jar").equals("test-jar") ? "-tests" : "");
        }
        String classifier = text(dep, "classifier", "");
        return normalized(classifier.isEmpty() ? id : id + "-" + classifier);
    }

    private static Set<String> pomDeps(String module, boolean test) throws Exception {
        Set<String> out = new TreeSet<>();
        NodeList list = child(pom(module + "/pom.xml"), "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element dep = (Element) list.item(i);
            String scope = text(dep, "scope", managedScopes.getOrDefault(artifact(dep), "compile"));
            if (scope.equals("test") == test) {
                out.add(artifact(dep));
            }
        }
        return out;
    }

    private static String build(String dir) throws IOException {
        return Files.readString(new File(root, dir.isEmpty() ? "BUILD" : dir + "/BUILD").toPath(),
                                StandardCharsets.UTF_8).replaceAll("#[^\n]*", "");
    }

    private static String attribute(String build, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + name
                + "\\s*=\\s*((?:[A-Z_]+\\s*\\+\\s*)*(?:\\[[^\\]]*\\]|[A-Z_]+|\"[^\"]*\"))")
                .matcher(build);
        return m.find() ? m.group(1) : "";
    }

    private static List<String> quoted(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]+)\"").matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Set<String> lists(String expression) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("\\b([A-Z_]{3,})\\b").matcher(expression.replaceAll("\"[^\"]*\"", ""));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String labelArtifact(String label) {
        Matcher module = Pattern.compile("^//apps/tcp-bypass/([^:]+):onos-apps-tcp-bypass-\\1(-tests)?$")
                .matcher(label);
        if (module.find()) {
            assertTrue("no module " + module.group(1), MODULES.containsKey(module.group(1)));
            return "module:" + MODULES.get(module.group(1)) + (module.group(2) == null ? "" : "-tests");
        }
        Matcher external = Pattern.compile("^@([a-z0-9_]+)//jar$").matcher(label);
        if (external.find()) {
            return external.group(1);
        }
        Matcher onos = Pattern.compile("^//[a-z0-9/_-]+:([a-z0-9-]+)$").matcher(label);
        assertTrue("not an ONOS 2.x label: " + label, onos.find());
        return normalized(onos.group(1));
    }

    // What an attribute brings: its own labels, and what ONOS's lists carry.
    private static Set<String> covered(String expression) {
        Set<String> out = new TreeSet<>();
        for (String list : lists(expression)) {
            assertTrue("not one of ONOS 2.7's dependency lists: " + list, ONOS_LISTS.containsKey(list));
            out.addAll(ONOS_LISTS.get(list));
        }
        quoted(expression).forEach(l -> out.add(labelArtifact(l)));
        return out;
    }

    @Test
    public void everyPomDependencyIsInTheBuildAndEveryBuildLabelInThePom() throws Exception {
        for (String dir : MODULES.keySet()) {
            String build = build(dir);
            assertTrue(dir + "/BUILD has no osgi_jar_with_tests", build.contains("osgi_jar_with_tests("));
            String deps = attribute(build, "deps");
            String testDeps = attribute(build, "test_deps");
            Set<String> compile = pomDeps(dir, false);
            Set<String> test = pomDeps(dir, true);
            Map<String, String> mavenOnly = MAVEN_ONLY.getOrDefault(dir, Map.of());
            for (String dep : compile) {
                assertTrue(dir + "/BUILD deps lack " + dep, covered(deps).contains(dep));
            }
            for (String dep : test) {
                if (mavenOnly.containsKey(dep)) {
                    assertTrue(dir + "/BUILD must exclude " + mavenOnly.get(dep),
                               quoted(attribute(build, "exclude_tests")).contains(mavenOnly.get(dep)));
                    continue;
                }
                assertTrue(dir + "/BUILD (test_)deps lack " + dep,
                           covered(deps).contains(dep) || covered(testDeps).contains(dep));
            }
            for (String label : quoted(deps)) {
                assertTrue(dir + "/BUILD deps name " + label + ", not a compile dependency of " + dir + "/pom.xml",
                           compile.contains(labelArtifact(label)));
            }
            for (String label : quoted(testDeps)) {
                assertTrue(dir + "/BUILD test_deps name " + label + ", not a test dependency of " + dir
                                   + "/pom.xml", test.contains(labelArtifact(label)));
            }
        }
    }

    @Test
    public void appBundlesAndRequiredAppsAgreeWithTheOarPom() throws Exception {
        String app = build("");
        assertTrue(app.contains("onos_app("));
        Set<String> bundles = new TreeSet<>();
        for (String label : quoted(app.substring(app.indexOf("BUNDLES"), app.indexOf("]") + 1))) {
            bundles.add(labelArtifact(label));
        }
        Set<String> modules = new TreeSet<>();
        MODULES.values().forEach(m -> modules.add("module:" + m));
        assertEquals(modules, bundles);
        Element oar = child(pom("oar/pom.xml"), "properties");
        assertEquals(new TreeSet<>(List.of(text(oar, "onos.app.requires", "").split(","))),
                     new TreeSet<>(quoted(attribute(app, "required_apps"))));
        assertEquals(List.of(text(oar, "onos.app.name", "")), quoted(attribute(app, "app_name")));
        assertTrue(app.contains("title = \"" + text(oar, "onos.app.title", "") + "\""));
        assertTrue(app.contains("category = \"" + text(oar, "onos.app.category", "") + "\""));
    }
}
