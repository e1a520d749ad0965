import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP exchange with the daemon, for tests that check statuses and bodies directly.
struct HTTPAnswer: Sendable {
    var status: Int
    var body: Data
    var headers: [String: String]

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum HTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        configuration.httpMaximumConnectionsPerHost = 32
        return URLSession(configuration: configuration)
    }()

    static func send(_ method: String, _ url: URL, body: Data? = nil, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        let (data, response) = try await session.data(for: request(method, url, body: body, headers: headers))
        return answer(response as! HTTPURLResponse, data)
    }

    static func request(_ method: String, _ url: URL, body: Data?, headers: [String: String] = [:]) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }

    static func answer(_ http: HTTPURLResponse, _ data: Data) -> HTTPAnswer {
        var fields = [String: String]()
        for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
        return HTTPAnswer(status: http.statusCode, body: data, headers: fields)
    }

    static func get(_ daemon: DaemonProcess, _ path: String, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        try await send("GET", URL(string: daemon.url.absoluteString + path)!, headers: headers)
    }

    static func post(_ daemon: DaemonProcess, _ path: String, _ body: Data, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        try await send("POST", URL(string: daemon.url.absoluteString + path)!, body: body, headers: headers)
    }

    /// `POST /v1/measure` of specs given as JSON objects.
    static func measure(_ daemon: DaemonProcess, _ specs: [[String: Any]]) async throws -> HTTPAnswer {
        try await post(daemon, "/v1/measure", try JSONSerialization.data(withJSONObject: ["specs": specs]))
    }

    /// `measure` for a thread of its own, without Swift concurrency: answered even while every
    /// cooperative thread of the test process is busy (tests that wait for a `sculpt` process
    /// block one each, for minutes on two cores).
    static func measureBlocking(_ daemon: DaemonProcess, _ specs: [[String: Any]]) throws -> HTTPAnswer {
        let call = request("POST", URL(string: daemon.url.absoluteString + "/v1/measure")!,
                              body: try JSONSerialization.data(withJSONObject: ["specs": specs]))
        let result = Mutex<Result<HTTPAnswer, any Error>?>(nil), done = DispatchSemaphore(value: 0)
        session.dataTask(with: call) { data, response, error in
            result.withLock {
                if let http = response as? HTTPURLResponse {
                    $0 = .success(answer(http, data ?? Data()))
                } else {
                    $0 = .failure(error ?? URLError(.badServerResponse))
                }
            }
            done.signal()
        }.resume()
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

/// A small dense convolution spec (quick to measure), distinct per `channels`.
func smallSpec(channels: Int = 8, size: Int = 8, threads: Int = 1) -> [String: Any] {
    ["op": "conv2d", "in_channels": channels, "out_channels": channels, "height": size, "width": size,
     "kernel": 3, "stride": 1, "groups": 1, "pattern": ["family": "dense"], "threads": threads]
}
