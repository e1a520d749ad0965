import Logging
import SculptProfiles
import ServiceLifecycle

/// Pings systemd's watchdog at half the interval it asked for, as long as the daemon is
/// healthy (its store answers): a daemon that hangs stops pinging and systemd restarts it.
struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let store: ProfileStore
    let logger: Logger

    func run() async throws {
        let period = interval / 2
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try store.counts()
                    notifier.notify("WATCHDOG=1")
                } catch {
                    logger.error("store unreadable, watchdog not pinged: \(error)")
                }
                try? await Task.sleep(for: period)
            }
        }
    }
}
