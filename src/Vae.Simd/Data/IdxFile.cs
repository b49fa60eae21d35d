using System.Buffers.Binary;
using System.IO.Compression;

namespace Vae.Simd.Data;

/// <summary>
/// An IDX array of unsigned bytes (the MNIST format): a big-endian header — two zero bytes, a
/// type code (0x08 = ubyte), the number of dimensions — then one 32-bit size per dimension and the data.
/// </summary>
internal sealed class IdxFile
{
    /// <summary>The sizes of the dimensions, outermost first ([count, rows, columns] for images).</summary>
    public int[] Dimensions { get; }

    /// <summary>The elements, row-major.</summary>
    public byte[] Data { get; }

    private IdxFile(int[] dimensions, byte[] data) { Dimensions = dimensions; Data = data; }

    /// <summary>Reads a raw or gzip-compressed IDX file (gzip is detected by its magic bytes, not the name).
    /// Throws <see cref="DataFormatException"/> naming the file and what is wrong.</summary>
    public static IdxFile Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: file not found");
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[2];
            int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            bool gzip = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            bytes = memory.ToArray();
        }
        catch (InvalidDataException e) { throw new DataFormatException($"{path}: corrupt gzip data ({e.Message})", e); }
        catch (IOException e) { throw new DataFormatException($"{path}: cannot be read ({e.Message})", e); }
        catch (UnauthorizedAccessException e) { throw new DataFormatException($"{path}: cannot be read ({e.Message})", e); }
        return Parse(bytes, path);
    }

    /// <summary>Parses IDX bytes; <paramref name="source"/> names them in error messages.</summary>
    public static IdxFile Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 4) throw new DataFormatException($"{source}: too short for an IDX header ({bytes.Length} bytes)");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new DataFormatException($"{source}: not an IDX file (magic number starts 0x{bytes[0]:X2}{bytes[1]:X2}, expected 0x0000)");
        if (bytes[2] != 0x08)
            throw new DataFormatException($"{source}: element type 0x{bytes[2]:X2} is not supported (only unsigned bytes, 0x08)");
        int rank = bytes[3];
        if (rank == 0) throw new DataFormatException($"{source}: IDX header declares no dimensions");
        int header = 4 + 4 * rank;
        if (bytes.Length < header) throw new DataFormatException($"{source}: truncated header ({bytes.Length} bytes, {header} needed for {rank} dimensions)");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (d > int.MaxValue) throw new DataFormatException($"{source}: dimension {i} is {d}, too large");
            dims[i] = (int)d;
            count *= d;
        }
        if (count > Array.MaxLength) throw new DataFormatException($"{source}: {count} elements are too many");
        long available = bytes.Length - header;
        if (available < count)
            throw new DataFormatException($"{source}: truncated: the header ({string.Join(" × ", dims)}) needs {count} data bytes but the file has {available}");
        if (available > count)
            throw new DataFormatException($"{source}: {available - count} unexpected bytes after the {count} the header ({string.Join(" × ", dims)}) declares");
        return new IdxFile(dims, bytes.Slice(header, (int)count).ToArray());
    }
}
