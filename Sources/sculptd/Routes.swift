import Foundation
import Hummingbird
import SculptProfiles

/// The HTTP API of DESIGN.md, versioned under `/v1`.
struct Routes {
    let profiler: LocalProfiler
    let metrics: DaemonMetrics
    let maxBodyBytes: Int
    let encoded = EncodedEntries()

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in Responses.body(Data("ok\n".utf8), contentType: "text/plain") }
        router.get("/metrics") { _, _ in
            let stored = (try? profiler.store.counts().measurements) ?? 0
            return Responses.body(Data(metrics.render(queuePending: profiler.worker.pending, storedMeasurements: stored).utf8),
                                  contentType: "text/plain; version=0.0.4")
        }
        router.get("/v1/device") { _, _ in try Responses.json(try await profiler.deviceReport()) }
        router.post("/v1/measure") { request, _ in try await measure(request) }
        router.get("/v1/profiles") { request, _ in try await profiles(request) }
        router.post("/v1/profiles/import") { request, _ in
            let body = try await collect(request)
            return try Responses.json(try await profiler.importLines(String(decoding: body, as: UTF8.self)))
        }
        router.post("/v1/models/measure") { request, _ in try await measureModel(request) }
    }

    /// The request's body, refused with 413 beyond `maxBodyBytes` (checked against the declared
    /// length first, so that a huge upload is refused before it is read).
    func collect(_ request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw HTTPError(.contentTooLarge, message: "the body has \(length) bytes, more than the limit of \(maxBodyBytes)")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBodyBytes) } catch let error as HTTPError where error.status == .contentTooLarge {
            throw HTTPError(.contentTooLarge, message: "the body is larger than the limit of \(maxBodyBytes) bytes")
        }
        return Data(buffer.readableBytesView)
    }

    /// `POST /v1/measure`: `{"specs": [...]}` (and `"fresh": true` to measure them all now,
    /// stored or not, without storing) → `{"results": [...]}`, one per spec, in order.
    func measure(_ request: Request) async throws -> Response {
        let batch = try JSONDecoder().decode(KernelSpecBatch.self, from: try await collect(request))
        let results = try await profiler.measure(batch.specs, fresh: batch.fresh ?? false)
        // A spec asked for twice in one batch is measured once.
        let measured = Set(results.filter { !$0.cached }.map(\.workload)).count
        metrics.served(hits: results.filter(\.cached).count, measured: measured)
        return Responses.body(try encoded.object(key: "results", results), contentType: "application/json")
    }

    /// `GET /v1/profiles?…`: `{"profiles": [...]}`, or the JSON Lines export with `format=jsonl`.
    func profiles(_ request: Request) async throws -> Response {
        let items = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let query = try ProfileQuery(queryItems: items)
        if items.contains(where: { $0 == ("format", "jsonl") }) {
            return Responses.body(Data(try await profiler.exportLines(query).utf8), contentType: "application/x-ndjson")
        }
        return Responses.body(try encoded.object(key: "profiles", try await profiler.profiles(query)), contentType: "application/json")
    }

    /// `POST /v1/models/measure?threads=N&batch=B`: the ONNX model's bytes → its latency.
    func measureModel(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        func integer(_ name: String) throws -> Int {
            guard let text = parameters[Substring(name)] else { return 1 }
            guard let value = Int(text) else { throw SpecError.invalid("\(name) must be an integer, not '\(text)'") }
            return value
        }
        let threads = try integer("threads"), batch = try integer("batch")
        let body = try await collect(request)
        let latency = try await profiler.measureModel(body, threads: threads, batch: batch)
        metrics.served(hits: 0, measured: 1)
        return try Responses.json(latency)
    }
}
