import Foundation
import Hummingbird
import SculptProfiles

/// JSON answers and the errors that become them: `{"error": "reason"}` with a status that says
/// whose fault it is.
enum Responses {
    static func json<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return body(try encoder.encode(value), contentType: "application/json")
    }

    static func body(_ data: Data, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ reason: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let body = (try? encoder.encode(["error": reason])) ?? Data()
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns whatever a route throws into a JSON error answer, so that every failure is one
/// readable line for the client and none takes the daemon down.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: DaemonMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SpecError {
            if case .notMeasurable = error { return Responses.error(.unprocessableContent, error.description) }
            return Responses.error(.badRequest, error.description)
        } catch let error as MeasurementWorker.QueueFull {
            metrics.rejected()
            return Responses.error(.tooManyRequests, error.description,
                                   headers: [.retryAfter: String(error.retryAfterSeconds)])
        } catch let error as DecodingError {
            return Responses.error(.badRequest, "malformed request body: \(DecodingFailure.describe(error))")
        } catch let error as StoreError {
            return Responses.error(.badRequest, error.description)
        } catch let error as HTTPError {
            let reason = error.body ?? (error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return Responses.error(error.status, reason, headers: error.headers)
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return Responses.error(.internalServerError, "internal error: \(error)")
        }
    }
}

/// Counts every request by route and status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: DaemonMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        metrics.request(path: request.uri.path, status: response.status.code,
                        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return response
    }
}
