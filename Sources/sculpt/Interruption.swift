import Foundation
import Synchronization

/// Set by the first Ctrl-C; a second one ends the process at once.
let interruption = Atomic<Bool>(false)

func catchInterruption() {
    // A parent may have started us with SIGINT blocked (threads of a test runner do): unblock it.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    signal(SIGINT) { _ in
        interruption.store(true, ordering: .relaxed)
        signal(SIGINT, SIG_DFL)
    }
}
