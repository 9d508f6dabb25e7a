package org.tcpbypass.cli;

import org.junit.BeforeClass;
import org.junit.Test;

import java.io.File;
import java.io.FileInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

/**
 * The packaged bundle: Karaf registers its commands, and it holds only its own package. The build compiles
 * against a copy of the app's API (the app bundle is a WAB); that copy must stay out of this bundle, so that
 * org.tcpbypass.api is imported from the app and the service and its types share one class space.
 */
public class CliBundleIT {

    private static Attributes manifest;
    private static List<String> classes;

    @BeforeClass
    public static void read() throws Exception {
        classes = new ArrayList<>();
        try (JarInputStream jar = new JarInputStream(new FileInputStream(new File(System.getProperty("bundle.file"))))) {
            manifest = jar.getManifest().getMainAttributes();
            for (ZipEntry e = jar.getNextEntry(); e != null; e = jar.getNextEntry()) {
                if (e.getName().endsWith(".class")) {
                    classes.add(e.getName());
                }
            }
        }
    }

    @Test
    public void karafRegistersTheCommandPackage() {
        assertEquals("org.tcpbypass.cli", manifest.getValue("Karaf-Commands"));
    }

    @Test
    public void holdsOnlyItsOwnPackage() {
        assertThat(classes, hasItem("org/tcpbypass/cli/BypassListCommand.class"));
        assertThat(classes, everyItem(startsWith("org/tcpbypass/cli/")));
        assertNull(manifest.getValue("Export-Package"));
    }

    @Test
    public void importsTheAppsApiAndThePipeconfConstants() {
        String imports = manifest.getValue("Import-Package");
        assertThat(imports, containsString("org.tcpbypass.api;version=\"[1.0,2)\""));
        assertThat(imports, containsString("org.tcpbypass.pipeconf;version=\"[1.0,2)\""));
        assertThat(imports, containsString("org.apache.karaf.shell.api.action.lifecycle"));
        assertThat(imports, containsString("org.onosproject.cli;"));
    }
}
