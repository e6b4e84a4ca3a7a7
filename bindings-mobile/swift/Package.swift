// swift-tools-version:5.9
// The Wxkf Swift package. `Sources/Wxkf/Wxkf.swift`, `Sources/Wxkf/WxkfProtocol.swift` (core's
// types) and `WxkfFFI.xcframework` are generated (see ../README.md, "iOS"): not checked in.
import PackageDescription

let package = Package(
    name: "Wxkf",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Wxkf", targets: ["Wxkf"]),
    ],
    targets: [
        .binaryTarget(name: "WxkfFFI", path: "WxkfFFI.xcframework"),
        .target(name: "Wxkf", dependencies: ["WxkfFFI"], path: "Sources/Wxkf"),
    ]
)
