package org.tcpbypass.oar;

import org.junit.BeforeClass;
import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * The BUCK file (building the bundles inside an ONOS source tree) and the poms name the same dependencies.
 * A Buck label {@code //path:NAME} stands for the Maven artifact {@code NAME} ({@code NAME-tests}: its tests
 * classifier), {@code :NAME} for a bundle of this project (or its plain
 * {@code classes} jar), {@code :NAME-tests} for its test-jar; {@code //lib:COMPILE} and {@code //lib:TEST} stand
 * for what every module inherits from the ONOS parent pom (Guava, OSGi, SLF4J; JUnit, EasyMock, Hamcrest).
 */
public class BuckPomAgreementIT {

    private static final String[][] BUNDLES = {
        {"tcp-bypass-pipeconf", "pipeconf"},
        {"tcp-bypass-app", "app"},
        {"tcp-bypass-cli", "cli-commands"},
        {"tcp-bypass-gui", "web-gui"},
    };
    private static final String INHERITED_COMPILE = "//lib:COMPILE";
    private static final String INHERITED_TEST = "//lib:TEST";

    private static File root;
    private static String buck;
    private static Map<String, String> managedScopes;

    @BeforeClass
    public static void read() throws Exception {
        root = new File(System.getProperty("repo.root"));
        buck = Files.readString(new File(root, "BUCK").toPath(), StandardCharsets.UTF_8)
                .replaceAll("#[^\n]*", "");
        managedScopes = new HashMap<>();
        Element management = child(pom(new File(root, "pom.xml")), "dependencyManagement");
        NodeList deps = child(management, "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element dep = (Element) deps.item(i);
            managedScopes.put(key(dep), text(dep, "scope", "compile"));
        }
    }

    private static Element pom(File file) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file);
        return doc.getDocumentElement();
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

    private static String key(Element dep) {
        return text(dep, "groupId", "") + ":" + text(dep, "artifactId", "") + ":" + text(dep, "classifier", "");
    }

    /**
     * Maps a pom dependency to the Buck label that must stand for it. A bundle of this project's plain
     * {@code classes} jar is, in Buck, the bundle's own label (Buck compiles against its non-OSGi jar).
     */
    private static String label(Element dep) {
        String artifact = text(dep, "artifactId", "");
        String classifier = text(dep, "classifier", "");
        if (text(dep, "groupId", "").equals("org.tcpbypass")) {
            // A module's test-jar is its rule's tests, NAME-tests.
            return ":" + artifact + (text(dep, "type", "jar").equals("test-jar") ? "-tests" : "");
        }
        return "//*:" + (classifier.isEmpty() ? artifact : artifact + "-" + classifier);
    }

    private static String normalize(String buckLabel) {
        return buckLabel.startsWith(":") ? buckLabel : "//*:" + buckLabel.substring(buckLabel.indexOf(':') + 1);
    }

    private static TreeSet<String> pomLabels(String module, boolean test) throws Exception {
        TreeSet<String> labels = new TreeSet<>();
        Element deps = child(pom(new File(root, module + "/pom.xml")), "dependencies");
        if (deps == null) {
            return labels;
        }
        NodeList list = deps.getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element dep = (Element) list.item(i);
            String scope = text(dep, "scope", managedScopes.getOrDefault(key(dep), "compile"));
            if (scope.equals("test") == test) {
                labels.add(label(dep));
            }
        }
        return labels;
    }

    /** Returns the labels of a Buck list, following one level of named list constants. */
    private static TreeSet<String> buckLabels(String rule, String attribute) {
        Matcher m = Pattern.compile(attribute + "\\s*=\\s*(\\[[^\\]]*\\]|[A-Z_]+)").matcher(rule);
        TreeSet<String> labels = new TreeSet<>();
        if (!m.find()) {
            return labels;
        }
        String value = m.group(1);
        if (!value.startsWith("[")) {
            Matcher constant = Pattern.compile("(?m)^" + value + "\\s*=\\s*(\\[[^\\]]*\\])").matcher(buck);
            assertTrue("BUCK does not define " + value, constant.find());
            value = constant.group(1);
        }
        Matcher quoted = Pattern.compile("'([^']+)'").matcher(value);
        while (quoted.find()) {
            labels.add(quoted.group(1));
        }
        return labels;
    }

    private static String rule(String name) {
        Matcher m = Pattern.compile("osgi_jar_with_tests\\s*\\((.*?)\\n\\)", Pattern.DOTALL).matcher(buck);
        while (m.find()) {
            if (m.group(1).contains("name = '" + name + "'")) {
                return m.group(1);
            }
        }
        return null;
    }

    private static TreeSet<String> withoutInherited(TreeSet<String> labels, String inherited, String where) {
        assertTrue(where + " lacks " + inherited + " (the ONOS parent's dependencies)", labels.remove(inherited));
        TreeSet<String> normalized = new TreeSet<>();
        labels.forEach(l -> normalized.add(normalize(l)));
        return normalized;
    }

    @Test
    public void everyBundleHasARule() {
        for (String[] bundle : BUNDLES) {
            assertNotNull("BUCK has no osgi_jar_with_tests for " + bundle[0], rule(bundle[0]));
        }
    }

    @Test
    public void compileDependenciesAgree() throws Exception {
        for (String[] bundle : BUNDLES) {
            TreeSet<String> buckDeps = withoutInherited(buckLabels(rule(bundle[0]), "\\bdeps"),
                                                        INHERITED_COMPILE, bundle[0] + " deps");
            assertEquals(bundle[0] + ": BUCK deps vs " + bundle[1] + "/pom.xml",
                         pomLabels(bundle[1], false), buckDeps);
        }
    }

    @Test
    public void testDependenciesAgree() throws Exception {
        for (String[] bundle : BUNDLES) {
            TreeSet<String> buckDeps = withoutInherited(buckLabels(rule(bundle[0]), "test_deps"),
                                                        INHERITED_TEST, bundle[0] + " test_deps");
            assertEquals(bundle[0] + ": BUCK test_deps vs " + bundle[1] + "/pom.xml",
                         pomLabels(bundle[1], true), buckDeps);
        }
    }

    @Test
    public void appBundlesAndRequiredAppsAgreeWithAppXml() throws IOException {
        String appXml = Files.readString(new File(root, "oar/app.xml").toPath(), StandardCharsets.UTF_8);
        Matcher app = Pattern.compile("onos_app\\s*\\((.*?)\\n\\)", Pattern.DOTALL).matcher(buck);
        assertTrue("BUCK has no onos_app", app.find());
        TreeSet<String> included = buckLabels(app.group(1), "included_bundles");
        for (String[] bundle : BUNDLES) {
            assertTrue("onos_app does not include " + bundle[0], included.contains(":" + bundle[0]));
            assertTrue("app.xml does not carry " + bundle[0], appXml.contains("/" + bundle[0] + "/"));
        }
        assertEquals(BUNDLES.length, included.size());
        String pom = Files.readString(new File(root, "oar/pom.xml").toPath(), StandardCharsets.UTF_8);
        Matcher requires = Pattern.compile("<onos.app.requires>([^<]*)</onos.app.requires>").matcher(pom);
        assertTrue(requires.find());
        TreeSet<String> pomApps = new TreeSet<>();
        for (String a : requires.group(1).split(",")) {
            pomApps.add(a.trim());
        }
        assertEquals(pomApps, buckLabels(app.group(1), "required_apps"));
        assertTrue(app.group(1).contains("app_name = 'org.tcpbypass'"));
    }
}
