package org.tcpbypass.impl;

import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;

/**
 * A validated offload: the request, the proxy that made it, the translation derived from its legs and where both
 * endpoints attach.
 */
final class OffloadPlan {

    private final OffloadRequest request;
    private final RegisteredProxy proxy;
    private final BypassTranslation translation;
    private final Attachment clientAttachment;
    private final Attachment serverAttachment;

    OffloadPlan(OffloadRequest request, RegisteredProxy proxy, BypassTranslation translation,
                Attachment clientAttachment, Attachment serverAttachment) {
        this.request = request;
        this.proxy = proxy;
        this.translation = translation;
        this.clientAttachment = clientAttachment;
        this.serverAttachment = serverAttachment;
    }

    OffloadRequest request() {
        return request;
    }

    RegisteredProxy proxy() {
        return proxy;
    }

    BypassTranslation translation() {
        return translation;
    }

    Attachment clientAttachment() {
        return clientAttachment;
    }

    Attachment serverAttachment() {
        return serverAttachment;
    }
}
