import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SculptProfiles

/// A client of a remote `sculptd`: the same operations as measuring locally, over its HTTP API.
///
/// A module of its own, apart from SculptProfiles: URLSession brings libcurl and some twenty
/// libraries with it, which the daemon, linking SculptProfiles, should not load.
///
/// Connection failures and "busy" answers (429, 503) are retried with exponential backoff
/// (honouring Retry-After); what still fails becomes one `DaemonError` line naming the daemon.
public final class DaemonClient: ProfileSource {
    public let baseURL: URL
    /// Sent as `Authorization: Bearer …` when set (daemons bound beyond loopback require it).
    public let token: String?
    /// Attempts per request, the first included.
    public let attempts: Int
    /// Seconds before the first retry; doubled for each further one.
    public let backoff: Double
    private let session: URLSession

    public init(baseURL: URL, token: String? = nil, attempts: Int = 4, backoff: Double = 0.25) {
        self.baseURL = baseURL
        self.token = token
        self.attempts = attempts
        self.backoff = backoff
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    public func deviceReport() async throws -> DeviceReport {
        try decode(DeviceReport.self, try await send("GET", "/v1/device"))
    }

    public func measure(_ specs: [KernelSpec], fresh: Bool) async throws -> [ProfileEntry] {
        let body = try JSONEncoder().encode(KernelSpecBatch(specs: specs, fresh: fresh))
        // Misses are measured one by one on the daemon (about half a second each).
        let timeout = 60 + Double(specs.count) * 2
        return try decode(Results.self, try await send("POST", "/v1/measure", body: body, timeout: timeout)).results
    }

    public func measureModel(_ bytes: Data, threads: Int, batch: Int) async throws -> ModelLatency {
        let query = [URLQueryItem(name: "threads", value: String(threads)), URLQueryItem(name: "batch", value: String(batch))]
        return try decode(ModelLatency.self, try await send("POST", "/v1/models/measure", query: query, body: bytes, timeout: 600))
    }

    public func profiles(_ query: ProfileQuery) async throws -> [ProfileEntry] {
        try decode(Profiles.self, try await send("GET", "/v1/profiles", query: query.queryItems)).profiles
    }

    public func exportLines(_ query: ProfileQuery) async throws -> String {
        let data = try await send("GET", "/v1/profiles", query: query.queryItems + [URLQueryItem(name: "format", value: "jsonl")])
        return String(decoding: data, as: UTF8.self)
    }

    public func importLines(_ text: String) async throws -> ProfileExport.Summary {
        try decode(ProfileExport.Summary.self, try await send("POST", "/v1/profiles/import", body: Data(text.utf8)))
    }

    struct Results: Decodable { var results: [ProfileEntry] }
    struct Profiles: Decodable { var profiles: [ProfileEntry] }
    struct ErrorBody: Decodable { var error: String }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw DaemonError("\(baseURL.absoluteString) answered something that is not a sculptd answer: \(DecodingFailure.describe(error))")
        }
    }

    /// Sends one request, retrying what may succeed later; returns the body of a 2xx answer.
    private func send(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil,
                      timeout: Double = 30) async throws -> Data {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query }
        var request = URLRequest(url: components.url!, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        var delay = backoff
        for attempt in 1...attempts {
            let last = attempt == attempts
            let data: Data, response: URLResponse
            do {
                (data, response) = try await session.data(for: request)
            } catch {
                if last { throw DaemonError("cannot reach sculptd at \(baseURL.absoluteString): \(error.localizedDescription) (\(attempts) attempts)") }
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                delay *= 2
                continue
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if (200..<300).contains(status) { return data }
            let reason = (try? JSONDecoder().decode(ErrorBody.self, from: data).error) ?? String(decoding: data.prefix(200), as: UTF8.self)
            guard (status == 429 || status == 503) && !last else {
                throw DaemonError("sculptd at \(baseURL.absoluteString) answered \(status): \(reason)")
            }
            let retryAfter = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init)
            try await Task.sleep(nanoseconds: UInt64(min(retryAfter ?? delay, 30) * 1e9))
            delay *= 2
        }
        throw DaemonError("sculptd at \(baseURL.absoluteString) did not answer")
    }
}

/// A request to a daemon that failed, as one line.
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
