import Foundation

/// A scatter plot of accuracy against latency as a standalone SVG: every configuration the
/// search evaluated, in series.
public struct ScatterPlot {
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public var radius: Double
        public init(name: String, color: String, points: [(x: Double, y: Double)], radius: Double = 3) {
            self.name = name
            self.color = color
            self.points = points
            self.radius = radius
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func svg(width: Double = 640, height: Double = 420) -> String {
        let all = series.flatMap(\.points)
        let (left, right, top, bottom) = (60.0, 150.0, 40.0, 50.0)
        func range(_ values: [Double]) -> (Double, Double) {
            let low = values.min() ?? 0, high = values.max() ?? 1
            let pad = max((high - low) * 0.05, 1e-6)
            return (low - pad, high + pad)
        }
        let (x0, x1) = range(all.map(\.x)), (y0, y1) = range(all.map(\.y))
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom) }
        func text(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="24" font-size="14">\(text(title))</text>
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
            <text x="\((left + width - right) / 2)" y="\(height - 12)" text-anchor="middle">\(text(xLabel))</text>
            <text x="16" y="\((top + height - bottom) / 2)" transform="rotate(-90 16 \((top + height - bottom) / 2))" text-anchor="middle">\(text(yLabel))</text>

            """
        for i in 0...4 {
            let x = x0 + (x1 - x0) * Double(i) / 4, y = y0 + (y1 - y0) * Double(i) / 4
            out += "<text x=\"\(px(x))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(String(format: "%.3g", x))</text>\n"
            out += "<text x=\"\(left - 6)\" y=\"\(py(y) + 4)\" text-anchor=\"end\">\(String(format: "%.3g", y))</text>\n"
        }
        for (i, s) in series.enumerated() {
            for p in s.points {
                out += "<circle cx=\"\(px(p.x))\" cy=\"\(py(p.y))\" r=\"\(s.radius)\" fill=\"\(s.color)\" fill-opacity=\"0.7\"/>\n"
            }
            let ly = top + 20 * Double(i)
            out += "<circle cx=\"\(width - right + 16)\" cy=\"\(ly)\" r=\"\(s.radius)\" fill=\"\(s.color)\"/>"
            out += "<text x=\"\(width - right + 26)\" y=\"\(ly + 4)\">\(text(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }
}
