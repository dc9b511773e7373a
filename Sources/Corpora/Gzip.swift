import CZlib
import Support

/// gzip decompression through zlib (concatenated members included).
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number.
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// Decompresses a gzip file's bytes; throws with `path` named on corrupt or truncated data.
    public static func decompress(_ input: [UInt8], path: String, limit: Int = 1 << 34) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        try decompress(input, path: path) { chunk in
            output.append(contentsOf: chunk)
            if output.count > limit { throw InputError(path: path, problem: "decompressed size exceeds \(limit) bytes") }
            return true
        }
        return output
    }

    /// Decompresses a gzip file's bytes piece by piece, handing each piece to `consume`, which
    /// returns false once it wants no more (the rest is then neither decompressed nor checked).
    /// - Throws: with `path` named on corrupt or truncated data, or what `consume` throws.
    public static func decompress(_ input: [UInt8], path: String, blockBytes: Int = 1 << 20,
                                  into consume: (ArraySlice<UInt8>) throws -> Bool) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError(path: path, problem: "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: max(1, blockBytes))
        var consumed = 0
        try input.withUnsafeBufferPointer { inputBuffer in
            while consumed < input.count {
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress! + consumed)
                stream.avail_in = UInt32(min(input.count - consumed, Int(UInt32.max)))
                var status: Int32 = Z_OK
                repeat {
                    status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = chunk.count - Int(stream.avail_out)
                    if produced > 0, try !consume(chunk[0..<produced]) { return }
                    if status != Z_OK && status != Z_STREAM_END && !(status == Z_BUF_ERROR && produced > 0) {
                        throw InputError(path: path, problem: "corrupt gzip data (zlib error \(status))")
                    }
                } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
                let before = consumed
                consumed = input.count - Int(stream.avail_in)
                if status == Z_STREAM_END {
                    // Another member may follow.
                    let rest = input.count - consumed
                    if rest == 0 { return }
                    if rest >= 2 && inputBuffer[consumed] == 0x1F && inputBuffer[consumed + 1] == 0x8B {
                        inflateReset(&stream)
                        continue
                    }
                    return  // trailing garbage after the last member is ignored, as gzip does
                }
                if consumed == before || stream.avail_in == 0 {
                    throw InputError(path: path, problem: "truncated gzip data")
                }
            }
        }
    }
}
