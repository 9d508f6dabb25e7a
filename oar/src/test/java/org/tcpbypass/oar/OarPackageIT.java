package org.tcpbypass.oar;

import org.junit.BeforeClass;
import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

/**
 * The application archive that {@code onos-app <host> install!} takes: one app, every bundle, bundles that
 * resolve on ONOS 2.7's Karaf 4.2.9.
 */
public class OarPackageIT {

    private static final String VERSION = "1.0.0";
    private static final String[] BUNDLES = {
        "tcp-bypass-pipeconf", "tcp-bypass-app", "tcp-bypass-cli", "tcp-bypass-gui"
    };

    private static ZipFile oar;

    @BeforeClass
    public static void openOar() throws IOException {
        File file = new File(System.getProperty("oar.file"));
        assertTrue("no .oar at " + file, file.isFile());
        oar = new ZipFile(file);
    }

    private static byte[] read(String name) throws IOException {
        ZipEntry entry = oar.getEntry(name);
        assertNotNull(name + " missing from the .oar", entry);
        try (InputStream in = oar.getInputStream(entry)) {
            return in.readAllBytes();
        }
    }

    private static Document xml(String name) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(read(name)));
    }

    private static String bundlePath(String artifact) {
        return "m2/org/tcpbypass/" + artifact + "/" + VERSION + "/" + artifact + "-" + VERSION + ".jar";
    }

    private static Manifest manifest(String artifact) throws IOException {
        try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(read(bundlePath(artifact))))) {
            Manifest manifest = jar.getManifest();
            assertNotNull(artifact + " has no manifest", manifest);
            return manifest;
        }
    }

    @Test
    public void appXmlNamesTheAppAndTheAppsItNeeds() throws Exception {
        Element app = xml("app.xml").getDocumentElement();
        assertEquals("org.tcpbypass", app.getAttribute("name"));
        assertEquals(VERSION, app.getAttribute("version"));
        assertEquals("the BMv2 drivers; host learning and forwarding for client, proxy and server traffic",
                     "org.onosproject.drivers.bmv2,org.onosproject.hostprovider,org.onosproject.fwd",
                     app.getAttribute("apps"));
        assertEquals("mvn:org.tcpbypass/tcp-bypass/" + VERSION + "/xml/features", app.getAttribute("featuresRepo"));
        List<String> artifacts = new ArrayList<>();
        NodeList nodes = app.getElementsByTagName("artifact");
        for (int i = 0; i < nodes.getLength(); i++) {
            artifacts.add(nodes.item(i).getTextContent().trim());
        }
        for (String bundle : BUNDLES) {
            assertThat(artifacts, hasItem("mvn:org.tcpbypass/" + bundle + "/" + VERSION));
        }
    }

    @Test
    public void featureInstallsEveryBundle() throws Exception {
        Document features = xml("m2/org/tcpbypass/tcp-bypass/" + VERSION + "/tcp-bypass-" + VERSION
                                        + "-features.xml");
        List<String> bundles = new ArrayList<>();
        NodeList nodes = features.getElementsByTagName("bundle");
        for (int i = 0; i < nodes.getLength(); i++) {
            bundles.add(nodes.item(i).getTextContent().trim());
        }
        for (String bundle : BUNDLES) {
            assertThat(bundles, hasItem("mvn:org.tcpbypass/" + bundle + "/" + VERSION));
        }
    }

    @Test
    public void everyBundleResolvesOnKaraf429() throws Exception {
        for (String bundle : BUNDLES) {
            Manifest manifest = manifest(bundle);
            String name = manifest.getMainAttributes().getValue("Bundle-SymbolicName");
            assertEquals("org.tcpbypass." + bundle, name);
            String imports = manifest.getMainAttributes().getValue("Import-Package");
            if (imports != null) {
                assertThat(bundle + " imports java.*, which Karaf 4.2.9 cannot resolve",
                           imports, not(containsString("java.lang")));
            }
        }
    }

    @Test
    public void pipeconfBundleCarriesTheCompiledPipeline() throws Exception {
        try (JarInputStream jar = new JarInputStream(
                new ByteArrayInputStream(read(bundlePath("tcp-bypass-pipeconf"))))) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e = jar.getNextEntry(); e != null; e = jar.getNextEntry()) {
                names.add(e.getName());
            }
            assertThat(names, hasItem("p4c-out/bmv2/tcp_bypass.json"));
            assertThat(names, hasItem("p4c-out/bmv2/tcp_bypass_p4info.txt"));
        }
    }

    @Test
    public void appBundleMountsTheRestApi() throws Exception {
        Manifest manifest = manifest("tcp-bypass-app");
        assertEquals("/onos/tcp-bypass", manifest.getMainAttributes().getValue("Web-ContextPath"));
    }

    @Test
    public void appBundleCarriesItsWebPageInTheWabClassPath() throws Exception {
        Manifest manifest = manifest("tcp-bypass-app");
        assertEquals("WEB-INF/classes", manifest.getMainAttributes().getValue("Bundle-ClassPath"));
        try (JarInputStream jar = new JarInputStream(
                new ByteArrayInputStream(read(bundlePath("tcp-bypass-app"))))) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e = jar.getNextEntry(); e != null; e = jar.getNextEntry()) {
                names.add(e.getName());
            }
            for (String file : new String[]{"index.html", "tcp-bypass.js", "tcp-bypass.css"}) {
                assertThat(names, hasItem("WEB-INF/classes/org/tcpbypass/rest/ui/" + file));
            }
            assertThat(names, hasItem("WEB-INF/classes/org/tcpbypass/rest/UiWebResource.class"));
        }
    }

    @Test
    public void cliBundleRegistersItsCommands() throws Exception {
        Manifest manifest = manifest("tcp-bypass-cli");
        assertEquals("org.tcpbypass.cli", manifest.getMainAttributes().getValue("Karaf-Commands"));
    }
}
