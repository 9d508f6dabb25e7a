package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/** The few libc calls the proxy needs; each throws {@link LastErrorException} carrying errno on failure. */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int setsockopt(int fd, int level, int name, Pointer value, int length) throws LastErrorException;

    int getsockopt(int fd, int level, int name, Pointer value, IntByReference length) throws LastErrorException;

    int ioctl(int fd, long request, IntByReference value) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int bind(int fd, Pointer address, int length) throws LastErrorException;

    long recv(int fd, Pointer buffer, long length, int flags) throws LastErrorException;

    long send(int fd, Pointer buffer, long length, int flags) throws LastErrorException;

    long sendto(int fd, Pointer buffer, long length, int flags, Pointer address, int addressLength)
            throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int poll(Pointer fds, long count, int timeoutMillis) throws LastErrorException;

    int gettid();

    int getpriority(int which, int who) throws LastErrorException;

    int setpriority(int which, int who, int priority) throws LastErrorException;
}
