// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftCNN",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SwiftCNN", targets: ["SwiftCNN"]),
        .executable(name: "swiftcnn", targets: ["swiftcnn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        // `swift package generate-documentation` (Tools/build_docs.sh); used by no target.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Debian: libopenblas-dev. SGEMM for convolution and dense layers.
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        // Debian: zlib1g-dev. gzip-compressed IDX files and PNG compression.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Debian: libdeflate-dev. Whole-buffer inflate, two to three times zlib's speed, for
        // the small PNGs of an image folder, which are decoded from memory in one call.
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // Debian: libpng-dev. Training curves and PNG input images.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // Debian: libjpeg-dev. JPEG input images for `swiftcnn predict`.
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        // Debian: libhdf5-dev. Keras 3's .weights.h5 files (and the weights inside .keras).
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // Debian: libzip-dev. The zip container of .keras files. (ZIPFoundation brings a
        // second module named CZlib, which clashes with ours.)
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
        // C where Swift cannot say it: the MXCSR flush-to-zero switch and the hot kernels
        // (direct and Winograd convolution, batch norm, pooling, elementwise, resampling),
        // each compiled per instruction set with target_clones, without package flags.
        .target(name: "CSwiftCNNSupport"),
        .target(
            name: "SwiftCNN",
            dependencies: [
                "COpenBLAS", "CZlib", "CDeflate", "CPNG", "CJPEG", "CSwiftCNNSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                "CHDF5", "CZip",
            ],
            // The .proto sources the committed IO/Generated code was made from.
            exclude: ["IO/Protos"]
        ),
        .executableTarget(
            name: "swiftcnn",
            dependencies: [
                "SwiftCNN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "SwiftCNNTests",
            dependencies: ["SwiftCNN"],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
