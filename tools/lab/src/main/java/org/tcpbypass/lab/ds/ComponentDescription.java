package org.tcpbypass.lab.ds;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;

/**
 * One OSGi Declarative Services component descriptor (OSGI-INF/*.xml, written by bnd from the DS annotations
 * at build time): what the DS runtime reads to instantiate, wire and activate a component.
 */
final class ComponentDescription {

    final String name;
    final String implementation;
    final String activate;
    final String deactivate;
    final List<String> services;
    final List<Reference> references;
    final Hashtable<String, Object> properties;
    final ClassLoader loader;

    private ComponentDescription(ClassLoader loader, String name, String implementation, String activate, String deactivate,
                                 List<String> services, List<Reference> references,
                                 Hashtable<String, Object> properties) {
        this.name = name;
        this.implementation = implementation;
        this.activate = activate;
        this.deactivate = deactivate;
        this.services = services;
        this.references = references;
        this.properties = properties;
        this.loader = loader;
    }

    static ComponentDescription parse(InputStream xml, ClassLoader loader) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(xml);
        Element root = doc.getDocumentElement();
        String impl = ((Element) root.getElementsByTagNameNS("*", "implementation").item(0)).getAttribute("class");
        List<String> services = new ArrayList<>();
        NodeList provides = root.getElementsByTagNameNS("*", "provide");
        for (int i = 0; i < provides.getLength(); i++) {
            services.add(((Element) provides.item(i)).getAttribute("interface"));
        }
        List<Reference> refs = new ArrayList<>();
        NodeList rs = root.getElementsByTagNameNS("*", "reference");
        for (int i = 0; i < rs.getLength(); i++) {
            Element r = (Element) rs.item(i);
            refs.add(new Reference(r.getAttribute("name"), r.getAttribute("interface"), r.getAttribute("field"),
                                   r.getAttribute("bind"), r.getAttribute("cardinality")));
        }
        Hashtable<String, Object> props = new Hashtable<>();
        NodeList ps = root.getElementsByTagNameNS("*", "property");
        for (int i = 0; i < ps.getLength(); i++) {
            Element p = (Element) ps.item(i);
            String value = p.hasAttribute("value") ? p.getAttribute("value") : p.getTextContent().trim();
            props.put(p.getAttribute("name"), value);
        }
        props.put("component.name", root.getAttribute("name"));
        return new ComponentDescription(loader, root.getAttribute("name"), impl,
                                        attr(root, "activate", "activate"), attr(root, "deactivate", "deactivate"),
                                        Collections.unmodifiableList(services), Collections.unmodifiableList(refs),
                                        props);
    }

    private static String attr(Element e, String name, String dflt) {
        return e.hasAttribute(name) ? e.getAttribute(name) : dflt;
    }

    /** One declared service reference. */
    static final class Reference {
        final String name;
        final String service;
        final String field;
        final String bind;
        final boolean mandatory;
        final boolean multiple;

        Reference(String name, String service, String field, String bind, String cardinality) {
            this.name = name;
            this.service = service;
            this.field = field;
            this.bind = bind;
            String c = cardinality.isEmpty() ? "1..1" : cardinality;
            this.mandatory = c.startsWith("1");
            this.multiple = c.endsWith("n");
        }
    }
}
