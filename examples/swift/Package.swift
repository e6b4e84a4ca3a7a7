// swift-tools-version:5.9
// A usage example of the Wxkf Swift package. Build the package first as
// bindings-mobile/README.md describes (it produces WxkfFFI.xcframework and Wxkf.swift), then
// point the `Wxkf` dependency below at it.
import PackageDescription

let package = Package(
    name: "WxkfExample",
    platforms: [.iOS(.v15), .macOS(.v12)],
    dependencies: [
        .package(path: "../../bindings-mobile/swift"),
    ],
    targets: [
        .target(name: "WxkfExample", dependencies: [.product(name: "Wxkf", package: "swift")]),
    ]
)
