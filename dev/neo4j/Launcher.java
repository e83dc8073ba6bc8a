// Local development / test Neo4j 5 Community DBMS (embedded, Bolt only).
//
// Not part of the Go build; use scripts/neo4j (fetch/start/stop/status) rather
// than running it by hand. It is a Java 17 single-file program:
//
//   java -cp '<repo>/.cache/neo4j/lib/*' dev/neo4j/Launcher.java \
//        --home DIR [--port 7687|0] [--pagecache 256m] [--tx-memory 512m] \
//        [--tx-memory-per-tx 256m] [--conf key=value]...
//
// (scripts/neo4j compiles it once into .cache/neo4j/launcher-classes and runs
// the class, which saves the ~2 s that the source launch spends in javac.)
//
// Every option except --home/--conf can also come from the environment
// (NEO4J_PORT, NEO4J_PAGECACHE, NEO4J_TX_MEMORY, NEO4J_TX_MEMORY_PER_TX);
// command-line arguments win. Memory sizes use Neo4j syntax (e.g. 512k, 256m,
// 1g); "0" for a transaction limit means "no limit". --port 0 lets the OS pick
// a free port; the READY line then shows the actual one. --conf sets any other
// Neo4j setting (written to DIR/launcher-extra.conf); it cannot override the
// fixed settings below (Bolt address, auth, memory). --warmup runs a few
// rolled-back queries before READY (used to record the CDS archive);
// --launcher X is ignored (a tag that lets scripts/neo4j find its processes).
//
// Bolt listens on 127.0.0.1 only, without TLS and without authentication;
// there is no HTTP connector. DIR is the DBMS home (data/ and logs/ are
// created inside it). When the default database "neo4j" is available and the
// Bolt port accepts connections, exactly one line
//
//   NEO4J READY bolt://127.0.0.1:<port>
//
// is printed to stdout. SIGTERM (or Ctrl-C) shuts the DBMS down cleanly.

import java.io.IOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

public class Launcher {
    private static final String HOST = "127.0.0.1";

    public static void main(String[] args) {
        Path home = null;
        int port = number(env("NEO4J_PORT", "7687"), "NEO4J_PORT");
        String pagecache = env("NEO4J_PAGECACHE", "256m");
        String txMemory = env("NEO4J_TX_MEMORY", "512m");
        String txMemoryPerTx = env("NEO4J_TX_MEMORY_PER_TX", "256m");
        long readyTimeoutSeconds = number(env("NEO4J_READY_TIMEOUT", "600"), "NEO4J_READY_TIMEOUT");
        List<String> extraConf = new ArrayList<>();
        boolean warmup = false;

        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--home" -> home = Path.of(value(args, ++i, a));
                case "--port" -> port = number(value(args, ++i, a), a);
                case "--pagecache" -> pagecache = value(args, ++i, a);
                case "--tx-memory" -> txMemory = value(args, ++i, a);
                case "--tx-memory-per-tx" -> txMemoryPerTx = value(args, ++i, a);
                case "--conf" -> extraConf.add(value(args, ++i, a));
                case "--warmup" -> warmup = true;
                case "--launcher" -> value(args, ++i, a); // tag used by scripts/neo4j to find its processes
                case "-h", "--help" -> {
                    System.out.println("usage: Launcher --home DIR [--port N|0] [--pagecache SIZE]"
                            + " [--tx-memory SIZE] [--tx-memory-per-tx SIZE] [--conf key=value]... [--warmup]");
                    return;
                }
                default -> fail("unknown argument: " + a);
            }
        }
        if (home == null) {
            fail("--home DIR is required");
        }
        if (port < 0 || port > 65535) {
            fail("invalid port: " + port);
        }

        final Path homeDir = home.toAbsolutePath().normalize();
        final int requestedPort = port;
        long t0 = System.nanoTime();

        DatabaseManagementServiceBuilder builder;
        try {
            Files.createDirectories(homeDir);
            builder = new DatabaseManagementServiceBuilder(homeDir);
            // Extra raw settings go through a properties file so that Neo4j parses
            // them itself; the fixed settings below are applied afterwards and win.
            Path extra = homeDir.resolve("launcher-extra.conf");
            Files.deleteIfExists(extra);
            if (!extraConf.isEmpty()) {
                try (Writer w = Files.newBufferedWriter(extra, StandardCharsets.UTF_8)) {
                    for (String kv : extraConf) {
                        if (kv.indexOf('=') <= 0) {
                            fail("--conf expects key=value, got: " + kv);
                        }
                        w.write(kv);
                        w.write('\n');
                    }
                }
                builder.loadPropertiesFromFile(extra);
            }
            builder.setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, requestedPort))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, requestedPort))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pagecache))
                    .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, ByteUnit.parse(txMemory))
                    .setConfig(GraphDatabaseSettings.memory_transaction_max_size, ByteUnit.parse(txMemoryPerTx))
                    // Dev/test store: do not reserve 256 MiB of disk per transaction log file.
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    // Netty's graceful shutdown otherwise waits a 5 s quiet period per
                    // event loop group, which makes a clean stop take ~10 s longer.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5));
        } catch (IOException | RuntimeException e) {
            fail("invalid configuration: " + e);
            return;
        }

        final DatabaseManagementService dbms;
        try {
            dbms = builder.build();
        } catch (RuntimeException e) {
            System.err.println("Launcher: failed to start Neo4j in " + homeDir + " on " + HOST + ":" + requestedPort);
            e.printStackTrace();
            System.exit(1);
            return;
        }

        long tBuilt = System.nanoTime();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("Launcher: shutting down Neo4j ...");
            try {
                dbms.shutdown();
                System.err.println("Launcher: Neo4j stopped cleanly");
            } catch (Throwable t) {
                System.err.println("Launcher: error during shutdown: " + t);
                t.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        long deadline = System.nanoTime() + Duration.ofSeconds(readyTimeoutSeconds).toNanos();
        while (!db.isAvailable(1000)) {
            if (System.nanoTime() > deadline) {
                System.err.println("Launcher: database '" + db.databaseName() + "' not available after "
                        + readyTimeoutSeconds + "s");
                System.exit(1);
            }
        }
        long tAvailable = System.nanoTime();
        // With --port 0 the OS picked a free port; ask Neo4j which one.
        int boltPort = requestedPort;
        if (boltPort == 0) {
            HostnamePort bound = ((GraphDatabaseAPI) db).getDependencyResolver()
                    .resolveDependency(ConnectorPortRegister.class)
                    .getLocalAddress(ConnectorType.BOLT);
            if (bound == null) {
                System.err.println("Launcher: could not determine the Bolt port");
                System.exit(1);
            }
            boltPort = bound.getPort();
        }
        // The DBMS is up; make sure the Bolt socket accepts connections too.
        while (!canConnect(boltPort)) {
            if (System.nanoTime() > deadline) {
                System.err.println("Launcher: Bolt port " + HOST + ":" + boltPort + " not accepting connections");
                System.exit(1);
            }
            sleep(100);
        }

        if (warmup) {
            warmup(db);
        }

        long tReady = System.nanoTime();
        System.err.printf("Launcher: Neo4j ready in %.1fs (dbms built %.1fs, database available +%.1fs, bolt accepting +%.1fs;"
                        + " jvm uptime %.1fs; home %s, pagecache %s, tx memory %s, per tx %s, heap max %dm)%n",
                (tReady - t0) / 1e9, (tBuilt - t0) / 1e9, (tAvailable - tBuilt) / 1e9, (tReady - tAvailable) / 1e9,
                java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3,
                homeDir, pagecache, txMemory, txMemoryPerTx, Runtime.getRuntime().maxMemory() >> 20);
        System.err.flush();
        System.out.println("NEO4J READY bolt://" + HOST + ":" + boltPort);
        System.out.flush();

        // Keep the JVM alive until the shutdown hook has run.
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // Used when recording the class-data-sharing archive (scripts/neo4j fetch):
    // runs typical Cypher once, in transactions that are rolled back, so that
    // the query pipeline's classes are loaded and end up in the archive.
    private static void warmup(GraphDatabaseService db) {
        String[] queries = {
            "RETURN 1 AS n",
            "CREATE (a:Warmup {id: $id, name: $name, at: datetime()})-[:LINKS {w: 1}]->(b:Warmup {id: $id + 1})"
                    + " RETURN elementId(a) AS a, b.id AS b",
            "MATCH (a:Warmup)-[r:LINKS]->(b) WHERE a.id = $id SET a.name = toUpper($name)"
                    + " RETURN a {.*, out: collect(b.id)} AS a ORDER BY a.id SKIP 0 LIMIT 10",
            "UNWIND range(1, 10) AS i MERGE (w:Warmup {id: i}) ON CREATE SET w.name = 'x' RETURN count(*) AS c",
            "OPTIONAL MATCH (a:Warmup {id: $id}) DETACH DELETE a RETURN count(*) AS c",
        };
        for (String q : queries) {
            try (var tx = db.beginTx()) {
                try (var r = tx.execute(q, java.util.Map.of("id", 1L, "name", "warmup"))) {
                    r.resultAsString();
                }
                tx.rollback();
            } catch (RuntimeException e) {
                System.err.println("Launcher: warmup query failed (ignored): " + e);
            }
        }
        try {
            db.executeTransactionally("SHOW INDEXES YIELD name RETURN count(*) AS c");
        } catch (RuntimeException e) {
            System.err.println("Launcher: warmup query failed (ignored): " + e);
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    private static int number(String s, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            fail(what + ": not a number: " + s);
            return -1;
        }
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            fail(opt + " needs a value");
        }
        return args[i];
    }

    private static void fail(String msg) {
        System.err.println("Launcher: " + msg);
        System.exit(2);
    }
}
