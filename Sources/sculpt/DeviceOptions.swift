import ArgumentParser
import Foundation
import SculptProfiles
import SculptProfilesClient
import SculptSearch

/// `--device`, `--store` and `--token-file`, shared by `measure` and `profiles`.
///
/// `--device local` (the default) measures in this process and caches in the store file:
/// `--store`, else `$SCULPT_STORE`, else `$XDG_CACHE_HOME/edgesculpt/profiles.sqlite`, else
/// `~/.cache/edgesculpt/profiles.sqlite`. `--device URL` talks to a `sculptd` instead, with the
/// bearer token from `--token-file` or `$SCULPT_DEVICE_TOKEN_FILE` when the daemon needs one.
struct DeviceOptions: ParsableArguments {
    @Option(help: "Where to measure: local (this machine) or the URL of a sculptd, e.g. http://board:7878.")
    var device = "local"

    @Option(help: "Profile store of --device local (default: $SCULPT_STORE or ~/.cache/edgesculpt/profiles.sqlite).")
    var store: String?

    @Option(help: "File with the bearer token of a remote sculptd (default: $SCULPT_DEVICE_TOKEN_FILE).")
    var tokenFile: String?

    func validate() throws {
        guard device == "local" || URL(string: device)?.scheme.map({ ["http", "https"].contains($0) }) == true else {
            throw ValidationError("--device must be 'local' or an http(s) URL, not '\(device)'")
        }
    }

    var storePath: String {
        let environment = ProcessInfo.processInfo.environment
        if let store { return store }
        if let path = environment["SCULPT_STORE"], !path.isEmpty { return path }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache").path
        return cache + "/edgesculpt/profiles.sqlite"
    }

    /// The source the options name: a local profiler on the store, or a daemon client.
    func source() throws -> any ProfileSource {
        if device == "local" {
            do { return try LocalProfiler(store: ProfileStore(path: storePath)) } catch {
                throw CommandError("\(storePath): cannot open the profile store: \(error)")
            }
        }
        var token: String?
        if let path = tokenFile ?? ProcessInfo.processInfo.environment["SCULPT_DEVICE_TOKEN_FILE"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("\(path): cannot read the token file") }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return DaemonClient(baseURL: URL(string: device)!, token: token)
    }
}

/// Runs async work from a synchronous command and waits for it (`blocking`), its errors as
/// one-line command errors.
func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    do { return try blocking(body) } catch let error as SpecError {
        throw CommandError(error.description)
    } catch let error as DaemonError {
        throw CommandError(error.description)
    } catch let error as StoreError {
        throw CommandError(error.description)
    }
}
