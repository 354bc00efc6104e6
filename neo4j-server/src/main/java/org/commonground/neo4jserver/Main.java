package org.commonground.neo4jserver;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Embedded Neo4j Community (5.26 LTS) with a Bolt connector, for tests and CI.
 *
 * <p>Usage: {@code java -Xmx1g -cp "target/classes:target/dependency/*" org.commonground.neo4jserver.Main [DATA_DIR]}
 *
 * <p>Environment:
 * <ul>
 *   <li>{@code NEO4J_PORT} – Bolt port on 127.0.0.1 (default 7687)</li>
 *   <li>{@code NEO4J_DATA_DIR} – data directory, used when no argument is given. Without either, a
 *       throw-away directory under {@code target/} is created and deleted again on shutdown.</li>
 *   <li>{@code NEO4J_PAGECACHE} – page cache size, e.g. {@code 128m} (default 128m)</li>
 *   <li>{@code NEO4J_IMPORT_DIR} – the directory {@code LOAD CSV FROM 'file:///…'} reads from (default
 *       {@code import} beside the data directory); the import benchmark's baseline uses it.</li>
 * </ul>
 *
 * <p>Authentication is disabled. Prints {@code Neo4j ready on bolt://127.0.0.1:PORT} once the default
 * database ({@code neo4j}) is available; SIGTERM/SIGINT shut it down cleanly via a shutdown hook.
 */
public final class Main {

    private static final String HOST = "127.0.0.1";

    private Main() {}

    public static void main(String[] args) throws Exception {
        int port = parsePort(env("NEO4J_PORT", "7687"));
        long pageCache = parseBytes(env("NEO4J_PAGECACHE", "128m"));

        boolean throwAway = false;
        Path dataDir;
        if (args.length > 0 && !args[0].isBlank()) {
            dataDir = Paths.get(args[0]);
        } else if (!env("NEO4J_DATA_DIR", "").isBlank()) {
            dataDir = Paths.get(env("NEO4J_DATA_DIR", ""));
        } else {
            Path base = Paths.get("target");
            Files.createDirectories(base);
            dataDir = Files.createTempDirectory(base, "neo4j-data-");
            throwAway = true;
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dataDir);

        Path importDir = Paths.get(env("NEO4J_IMPORT_DIR", dataDir.resolveSibling("import").toString()))
                .toAbsolutePath().normalize();
        Files.createDirectories(importDir);

        System.out.println("Starting Neo4j " + neo4jVersion() + " (Community), data dir " + dataDir);
        System.out.flush();

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(dataDir)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                // The routing table handed to neo4j:// drivers contains the advertised address.
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.initial_default_database,
                        GraphDatabaseSettings.DEFAULT_DATABASE_NAME)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                // Server-side routing would open an extra listener (:7688); not needed standalone.
                .setConfig(GraphDatabaseSettings.routing_enabled, false)
                // Test server: do not keep old transaction logs around.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                .setConfig(GraphDatabaseSettings.load_csv_file_url_root, importDir)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        final boolean deleteOnExit = throwAway;
        final Path dir = dataDir;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Shutting down Neo4j ...");
            System.out.flush();
            try {
                dbms.shutdown();
            } catch (Throwable t) {
                System.err.println("Error during shutdown: " + t);
            }
            if (deleteOnExit) {
                deleteRecursively(dir);
            }
            System.out.println("Neo4j stopped");
            System.out.flush();
            stopped.countDown();
        }, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(Duration.ofMinutes(3).toMillis())) {
            System.err.println("Default database did not become available within 3 minutes");
            System.exit(1);
        }
        // Touch the database once so the first client query does not pay for warm-up.
        db.executeTransactionally("RETURN 1");

        System.out.println("Neo4j ready on bolt://" + HOST + ":" + port);
        System.out.flush();

        stopped.await(); // until the shutdown hook has run (SIGTERM / SIGINT)
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static int parsePort(String s) {
        int p = Integer.parseInt(s);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("Invalid NEO4J_PORT: " + s);
        }
        return p;
    }

    private static long parseBytes(String s) {
        String v = s.trim().toLowerCase();
        long mult = 1;
        if (v.endsWith("k")) {
            mult = ByteUnit.kibiBytes(1);
        } else if (v.endsWith("m")) {
            mult = ByteUnit.mebiBytes(1);
        } else if (v.endsWith("g")) {
            mult = ByteUnit.gibiBytes(1);
        }
        if (mult != 1) {
            v = v.substring(0, v.length() - 1);
        }
        return Long.parseLong(v) * mult;
    }

    private static String neo4jVersion() {
        Package p = DatabaseManagementService.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "5.26" : v;
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("Could not delete " + root + ": " + e);
        }
    }
}
