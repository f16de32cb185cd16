package io.meshgrad;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * This JVM's listening TCP sockets, as local addresses in /proc's hex form (Linux: /proc/net/tcp{,6}
 * and /proc/self/fd). Unlike a connection attempt, it cannot be answered by another process that
 * took a closed port.
 */
public final class ListeningSockets {
  private ListeningSockets() {}

  /** Whether this platform lets {@link #now} read them. */
  public static boolean readable() {
    return Files.isDirectory(Path.of("/proc/self/fd"));
  }

  public static Set<String> now() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException gone) {
          // closed while listing
        }
      }
    }
    Set<String> out = new TreeSet<>();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
          out.add(f[1]);
        }
      }
    }
    return out;
  }

  /** Whether this JVM listens on TCP port {@code port} (on any address). */
  public static boolean listens(int port) throws IOException {
    String suffix = String.format(":%04X", port);
    return now().stream().anyMatch(a -> a.endsWith(suffix));
  }
}
