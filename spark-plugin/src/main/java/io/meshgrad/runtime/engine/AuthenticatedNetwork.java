package io.meshgrad.runtime.engine;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.sasl.SecretKeyHolder;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.server.TransportServerBootstrap;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;

/**
 * One server and client factory of Spark's network layer ({@code org.apache.spark.network}: a
 * public Java API of spark-network-common, whose Netty always matches the running Spark, but not a
 * declared stable one; set up here only, so that a change between Spark lines is fixed in one
 * place), authenticated with a fit's secret: with {@code spark.network.crypto.enabled} the
 * channel is also encrypted (Spark's AES-based protocol), otherwise {@link AuthServerBootstrap}/
 * {@link AuthClientBootstrap} fall back to SASL DIGEST-MD5 authentication. A peer without the
 * secret is refused at the handshake. One event-loop thread each for the server and the clients,
 * one connection per peer.
 */
final class AuthenticatedNetwork implements AutoCloseable {
  private static final String APP_ID = "meshgrad-engine";
  private static final String MODULE = "meshgrad.engine";

  private final TransportContext context;
  private final TransportServer server;
  private final TransportClientFactory clients;
  private boolean closed;

  /** A server on {@code host} (a free port) whose messages go to {@code handler}, and a client factory. */
  AuthenticatedNetwork(MeshTransport.Settings settings, String host, RpcHandler handler) {
    TransportConf conf = conf(settings);
    this.context = new TransportContext(conf, handler, true);
    TransportServer s = null;
    TransportClientFactory c = null;
    try {
      s = context.createServer(host, 0, List.<TransportServerBootstrap>of(new AuthServerBootstrap(conf, keys(settings))));
      c = context.createClientFactory(List.<TransportClientBootstrap>of(new AuthClientBootstrap(conf, APP_ID,
          keys(settings))));
    } catch (RuntimeException e) {
      if (s != null) {
        s.close();
      }
      context.close();
      throw e;
    }
    this.server = s;
    this.clients = c;
  }

  private static TransportConf conf(MeshTransport.Settings settings) {
    Map<String, String> m = new HashMap<>(settings.network());
    String prefix = "spark." + MODULE + ".io.";
    m.put(prefix + "serverThreads", "1");
    m.put(prefix + "clientThreads", "1");
    m.put(prefix + "numConnectionsPerPeer", "1");
    m.put(prefix + "connectionTimeout", settings.timeoutMs() + "ms");
    m.put(prefix + "connectionCreationTimeout", settings.timeoutMs() + "ms");
    return new TransportConf(MODULE, new MapConfigProvider(m));
  }

  private static SecretKeyHolder keys(MeshTransport.Settings settings) {
    return new SecretKeyHolder() {
      @Override
      public String getSaslUser(String appId) {
        return APP_ID;
      }

      @Override
      public String getSecretKey(String appId) {
        return APP_ID.equals(appId) ? settings.secret() : null;
      }
    };
  }

  /** The server's port. */
  int port() {
    return server.getPort();
  }

  /** A new authenticated connection to {@code host:port}, owned by the caller (it closes it). */
  TransportClient connect(String host, int port) throws IOException, InterruptedException {
    return clients.createUnmanagedClient(host, port);
  }

  /** Closes the client factory and the server; the port is free again when this returns. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    clients.close();
    server.close();
    context.close();
  }
}
