// Every test target that uses the test support also gets the kernel tests' numerics.
@_exported import SculptTestNumerics
