package org.tcpbypass.impl;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A proxy's idempotency key: keys are unique per proxy, so two proxies may use the same one.
 */
final class IdempotencyKey {

    private final String proxy;
    private final String key;

    private IdempotencyKey(String proxy, String key) {
        this.proxy = proxy;
        this.key = key;
    }

    /**
     * Returns a proxy's key.
     *
     * @param proxy proxy name
     * @param key   the proxy's Idempotency-Key
     * @return key
     */
    static IdempotencyKey of(String proxy, String key) {
        return new IdempotencyKey(checkNotNull(proxy, "proxy"), checkNotNull(key, "key"));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof IdempotencyKey)) {
            return false;
        }
        IdempotencyKey that = (IdempotencyKey) o;
        return proxy.equals(that.proxy) && key.equals(that.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(proxy, key);
    }

    @Override
    public String toString() {
        return proxy + "/" + key;
    }
}
