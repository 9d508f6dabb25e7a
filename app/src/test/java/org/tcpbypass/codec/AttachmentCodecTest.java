package org.tcpbypass.codec;

import org.junit.Test;
import org.onlab.packet.MacAddress;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.Attachment;

import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.CodecAssertions.assertInvalid;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests the attachment codec.
 */
public class AttachmentCodecTest {

    private final TestCodecContext context = new TestCodecContext();
    private final AttachmentCodec codec = new AttachmentCodec();

    private Attachment decode(String singleQuoted) {
        return codec.decode(context.object(singleQuoted), context);
    }

    @Test
    public void encodesExactly() {
        Attachment attachment = Attachment.of(PortNumber.portNumber(1), MacAddress.valueOf("00:00:00:00:00:01"));
        assertEquals(json("{'port':1,'mac':'00:00:00:00:00:01'}"), codec.encode(attachment, context).toString());
    }

    @Test
    public void roundTripsLargestPort() {
        Attachment attachment = Attachment.of(PortNumber.portNumber(4294967295L),
                                              MacAddress.valueOf("0a:1b:2c:3d:4e:5f"));
        assertEquals(attachment, codec.decode(codec.encode(attachment, context), context));
    }

    @Test
    public void rejectsBadPortsAndMacs() {
        assertInvalid("port: 0 is not in 1..4294967295", () -> decode("{'port':0,'mac':'00:00:00:00:00:01'}"));
        assertInvalid("port: 4294967296 is not in 1..4294967295",
                      () -> decode("{'port':4294967296,'mac':'00:00:00:00:00:01'}"));
        assertInvalid("port: must be an integer, not \"1\"", () -> decode("{'port':'1','mac':'00:00:00:00:00:01'}"));
        assertInvalid("mac: is required", () -> decode("{'port':1}"));
        assertInvalid("mac: '00:00:00:00:01' is not a MAC address", () -> decode("{'port':1,'mac':'00:00:00:00:01'}"));
        assertInvalid("mac: 'zz:00:00:00:00:01' is not a MAC address",
                      () -> decode("{'port':1,'mac':'zz:00:00:00:00:01'}"));
    }
}
