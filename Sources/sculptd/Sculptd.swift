import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SculptProfiles
import ServiceLifecycle

/// `sculptd`: measures kernel latencies on this board for clients over HTTP, and caches them.
@main
struct Sculptd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sculptd",
        abstract: "The on-device measurement daemon of EdgeSculpt.",
        discussion: """
            Serves the HTTP API of docs/daemon.md. Settings come from the config file, then the \
            environment (SCULPTD_*), then these flags. Binding anything but loopback requires \
            a bearer token file. Logs go to stderr.
            """)

    @Option(help: "Address to bind (default 127.0.0.1; any other needs --token-file).") var host: String?
    @Option(help: "Port to listen on (default 7878; 0 picks a free one).") var port: Int?
    @Option(help: "Directory of the profile store and the lock file.") var stateDir: String?
    @Option(help: "File holding the bearer token clients must send.") var tokenFile: String?
    @Option(help: "JSON config file.") var config: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    func run() async throws {
        var logger = Logger(label: "sculptd")
        do {
            let settings = try DaemonConfig.load(file: config, environment: ProcessInfo.processInfo.environment,
                                                 flags: DaemonFlags(host: host, port: port, stateDir: stateDir,
                                                                    tokenFile: tokenFile, logLevel: logLevel))
            logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
            try await serve(settings, logger: logger)
        } catch let error as ConfigError {
            // One line, no usage: the flags were fine, what they point at is not.
            logger.critical("\(error.description)")
            throw ExitCode(2)
        }
    }

    func serve(_ settings: DaemonConfig, logger: Logger) async throws {
        let stateDir = settings.resolvedStateDir
        do { try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true) } catch {
            throw ConfigError("cannot create the state directory \(stateDir): \(error.localizedDescription)")
        }
        let lock = try StateLock(directory: stateDir)
        let token = try Self.token(settings)
        let store: ProfileStore
        do { store = try ProfileStore(path: stateDir + "/profiles.sqlite") } catch {
            throw ConfigError("cannot open the profile store in \(stateDir): \(error)")
        }
        let profiler = LocalProfiler(store: store, measurement: settings.measurementProtocol, limits: settings.limits,
                                     queueCapacity: settings.queueCapacity, maxSpecsPerRequest: settings.maxSpecsPerRequest)
        let metrics = DaemonMetrics()
        let router = Router()
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(metrics: metrics))
        if let token { router.add(middleware: BearerAuthentication(token: Array(token.utf8))) }
        Routes(profiler: profiler, metrics: metrics, maxBodyBytes: settings.maxBodyBytes).register(on: router)

        let notifier = SystemdNotifier()
        let host = settings.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: settings.port), serverName: "sculptd"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                let cached = (try? store.counts().measurements) ?? 0
                logger.info("listening on \(host):\(port), device \(profiler.device.id), store \(store.path) (\(cached) measurements)")
                notifier.notify("READY=1\nSTATUS=serving on \(host):\(port), \(cached) measurements cached\nMAINPID=\(getpid())")
                StartupCode.release()
            },
            logger: logger)
        var services: [any Service] = [app]
        if let interval = SystemdNotifier.watchdogInterval() {
            services.append(WatchdogService(notifier: notifier, interval: interval, store: store, logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                       logger: logger))
        try await group.run()
        notifier.notify("STOPPING=1")
        logger.info("stopped")
        withExtendedLifetime(lock) {}
    }

    /// The bearer token: required (and non-empty) when the daemon listens beyond loopback.
    static func token(_ settings: DaemonConfig) throws -> String? {
        guard let path = settings.tokenFile else {
            guard settings.isLoopback else {
                throw ConfigError("binding \(settings.host) exposes the daemon to the network: give a bearer token with --token-file")
            }
            return nil
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError("cannot read the token file \(path)") }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16 else { throw ConfigError("the token in \(path) is shorter than 16 characters") }
        return token
    }
}
