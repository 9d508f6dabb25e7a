package org.tcpbypass.lab.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Creates sockets inside a lab namespace from this JVM: a fresh thread joins the namespace (setns), creates
 * what it is asked to and ends. A socket keeps the namespace it was created in, whatever thread uses it later.
 */
public final class Netns {

    private static final int O_RDONLY = 0;
    private static final int CLONE_NEWNET = 0x40000000;

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd);
    }

    private Netns() {
    }

    /**
     * Runs a task on a thread inside a network namespace.
     *
     * @param namespace name under /var/run/netns
     * @param task      what to create there
     * @param <T>       result type
     * @return the task's result
     */
    public static <T> T call(String namespace, Callable<T> task) {
        FutureTask<T> f = new FutureTask<>(() -> {
            int fd = LibC.INSTANCE.open("/var/run/netns/" + namespace, O_RDONLY);
            try {
                LibC.INSTANCE.setns(fd, CLONE_NEWNET);
            } finally {
                LibC.INSTANCE.close(fd);
            }
            return task.call();
        });
        Thread t = new Thread(f, "netns-" + namespace);
        t.start();
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            throw new IllegalStateException("in namespace " + namespace + ": " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
