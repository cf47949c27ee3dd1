import Foundation

/// One machine word per thread, for state that a synchronous scope sets and the code it
/// calls reads (the bound arena, gradient recording). Unlike a `@TaskLocal`, binding a
/// value costs no heap allocation, so a training step can do it every time.
final class ThreadLocalWord: @unchecked Sendable {
    private var key = pthread_key_t()

    init() { pthread_key_create(&key, nil) }

    var value: UInt {
        get { UInt(bitPattern: Int(bitPattern: pthread_getspecific(key))) }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// Runs `body` with the word set to `value`, then restores the previous value.
    func withValue<R>(_ value: UInt, _ body: () throws -> R) rethrows -> R {
        let previous = self.value
        self.value = value
        defer { self.value = previous }
        return try body()
    }
}
