using System.Buffers.Binary;
using System.IO.Compression;

namespace Vae.Simd.Data;

/// <summary>
/// An IDX array of unsigned bytes (the MNIST format): a big-endian header — two zero bytes, a type code (0x08 = ubyte),
/// the number of dimensions — then one 32-bit size per dimension and the data.
/// <para>
/// Reading is bounded by the real work: the header is checked before any data is read, only the items asked for are kept
/// (the rest is streamed past, to check the file's length and checksum), decompression stops at the size the header declares
/// plus one byte (to tell a longer file), and a gzip file's trailer (CRC-32 and length) must match what was decompressed.
/// </para>
/// </summary>
internal sealed class IdxFile
{
    /// <summary>The largest array a header may declare when all of it is to be read (the items kept are bounded by the caller's limit).</summary>
    public const long MaxDeclaredBytes = 8L << 30;

    /// <summary>The sizes of the dimensions, outermost first ([count, rows, columns] for images), as the header declares them.</summary>
    public int[] Dimensions { get; }

    /// <summary>The elements of the first <see cref="Items"/> items, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Items (entries of the outermost dimension) in <see cref="Data"/>: all of them, or the limit asked for.</summary>
    public int Items { get; }

    private IdxFile(int[] dimensions, byte[] data, int items) { Dimensions = dimensions; Data = data; Items = items; }

    /// <summary>Reads a raw or gzip-compressed IDX file (gzip is detected by its magic bytes, not the name), keeping at most
    /// <paramref name="maxItems"/> items. Throws <see cref="DataFormatException"/> naming the file and what is wrong.</summary>
    public static IdxFile Read(string path, int maxItems = int.MaxValue)
    {
        if (Directory.Exists(path)) throw new DataFormatException($"{path}: is a directory, not an IDX file");
        if (!File.Exists(path)) throw new DataFormatException($"{path}: file not found");
        // A device or a pipe reports length 0 (and a pipe would block the open): refuse them unopened, with empty files.
        if (new FileInfo(path).Length == 0) throw new DataFormatException($"{path}: empty, or not a regular file (a device or a pipe)");
        try
        {
            using var file = File.OpenRead(path);
            return Read(file, path, maxItems);
        }
        catch (IOException e) { throw new DataFormatException($"{path}: cannot be read ({e.Message})", e); }
        catch (UnauthorizedAccessException e) { throw new DataFormatException($"{path}: cannot be read ({e.Message})", e); }
    }

    /// <summary>Reads a raw or gzip IDX array from a seekable <paramref name="file"/>; <paramref name="source"/> names it in errors.</summary>
    public static IdxFile Read(Stream file, string source, int maxItems = int.MaxValue)
    {
        Span<byte> magic = stackalloc byte[2];
        bool gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = 0;
        if (!gzip) return ReadFrom(file, source, maxItems, null);
        var crc = new Crc32();
        IdxFile result;
        try
        {
            using (var unzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true))
                result = ReadFrom(unzip, source, maxItems, crc);
        }
        catch (InvalidDataException e) { throw new DataFormatException($"{source}: corrupt gzip data: the compressed stream or its CRC-32 checksum does not check out", e); }
        CheckTrailer(file, source, crc);
        return result;
    }

    /// <summary>Parses IDX bytes already in memory; <paramref name="source"/> names them in error messages.</summary>
    public static IdxFile Parse(ReadOnlySpan<byte> bytes, string source, int maxItems = int.MaxValue)
    {
        using var stream = new MemoryStream(bytes.ToArray(), writable: false);
        return ReadFrom(stream, source, maxItems, null);
    }

    private static IdxFile ReadFrom(Stream stream, string source, int maxItems, Crc32? crc)
    {
        Span<byte> head = stackalloc byte[4];
        int got = ReadFully(stream, head, crc);
        if (got < 4) throw new DataFormatException($"{source}: too short for an IDX header ({got} bytes)");
        if (head[0] != 0 || head[1] != 0)
            throw new DataFormatException($"{source}: not an IDX file (magic number starts 0x{head[0]:X2}{head[1]:X2}, expected 0x0000)");
        if (head[2] != 0x08)
            throw new DataFormatException($"{source}: element type 0x{head[2]:X2} is not supported (only unsigned bytes, 0x08)");
        int rank = head[3];
        if (rank == 0) throw new DataFormatException($"{source}: IDX header declares no dimensions");
        var sizes = new byte[4 * rank];
        got = ReadFully(stream, sizes, crc);
        if (got < sizes.Length) throw new DataFormatException($"{source}: truncated header ({4 + got} bytes, {4 + sizes.Length} needed for {rank} dimensions)");
        var dims = new int[rank];
        long itemBytes = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(sizes.AsSpan(4 * i));
            if (d > int.MaxValue) throw new DataFormatException($"{source}: dimension {i} is {d}, too large");
            dims[i] = (int)d;
            // Compared by division: itemBytes · d of two large sizes would wrap past 2⁶³ and pass a product's check.
            if (i > 0) itemBytes = itemBytes == 0 || d <= MaxDeclaredBytes / itemBytes ? itemBytes * d : throw new DataFormatException($"{source}: one item of {Describe(dims)} is larger than {MaxDeclaredBytes:N0} bytes");
        }
        // Saturated: an item of up to 8 GiB times 2³¹ items would wrap.
        long declared = dims[0] == 0 || itemBytes <= long.MaxValue / dims[0] ? itemBytes * dims[0] : long.MaxValue;
        int keep = (int)Math.Min(dims[0], Math.Max(0, maxItems));
        long keptBytes = itemBytes * keep;
        if (keptBytes > Array.MaxLength)
            throw new DataFormatException($"{source}: the header ({Describe(dims)}) declares {declared:N0} bytes; {keep:N0} items of {itemBytes:N0} bytes do not fit in memory");
        if (declared > MaxDeclaredBytes && keep == dims[0])
            throw new DataFormatException($"{source}: the header ({Describe(dims)}) declares {declared:N0} bytes, more than the {MaxDeclaredBytes:N0} this reader accepts");

        // Keep the first items — in chunks, so that memory follows the bytes really there, not what the header claims — and
        // stream past the rest (counting them, for the checksum), stopping one byte past the declared end.
        var chunks = new List<byte[]>();
        long have = 0;
        while (have < keptBytes)
        {
            var chunk = new byte[Math.Min(1 << 20, keptBytes - have)];
            int n = ReadFully(stream, chunk, crc);
            chunks.Add(n == chunk.Length ? chunk : chunk[..n]);
            have += n;
            if (n < chunk.Length) break;
        }
        if (have == keptBytes)
        {
            var scratch = new byte[64 * 1024];
            long remaining = declared == long.MaxValue ? long.MaxValue : declared - keptBytes + 1;
            while (remaining > 0)
            {
                int n = stream.Read(scratch, 0, (int)Math.Min(scratch.Length, remaining));
                if (n == 0) break;
                crc?.Append(scratch.AsSpan(0, n));
                have += n;
                remaining -= n;
            }
        }
        if (have < declared)
            throw new DataFormatException($"{source}: truncated: the header ({Describe(dims)}) needs {declared:N0} data bytes but the file has {have:N0}");
        if (have > declared)
        {
            // Count what follows only up to a bound: a huge tail need not be read to be reported.
            long extra = have - declared;
            var scratch = new byte[64 * 1024];
            for (int n; extra < 1 << 20 && (n = stream.Read(scratch, 0, scratch.Length)) > 0;) extra += n;
            throw new DataFormatException($"{source}: {(extra >= 1 << 20 ? "1 MiB or more of" : $"{extra:N0}")} unexpected bytes after the {declared:N0} the header ({Describe(dims)}) declares");
        }
        var data = new byte[keptBytes];
        long offset = 0;
        foreach (var chunk in chunks) { chunk.CopyTo(data, offset); offset += chunk.Length; }
        return new IdxFile(dims, data, keep);
    }

    private static string Describe(int[] dims) => string.Join(" × ", dims);

    private static int ReadFully(Stream stream, Span<byte> buffer, Crc32? crc)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        crc?.Append(buffer[..total]);
        return total;
    }

    /// <summary>A gzip member ends with the CRC-32 and the length (mod 2³²) of what it holds; they must be the last 8 bytes of the file.</summary>
    private static void CheckTrailer(Stream file, string path, Crc32 crc)
    {
        if (file.Length < 18) throw new DataFormatException($"{path}: a gzip file of {file.Length} bytes is too short to hold its trailer");
        Span<byte> trailer = stackalloc byte[8];
        file.Seek(-8, SeekOrigin.End);
        file.ReadExactly(trailer);
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer), storedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (storedCrc != crc.Value || storedLength != (uint)crc.Length)
            throw new DataFormatException($"{path}: the gzip trailer (CRC-32 0x{storedCrc:X8}, length {storedLength:N0}) does not match the data "
                + $"(0x{crc.Value:X8}, {crc.Length:N0} bytes): the file is cut short, has bytes appended, or is corrupt");
    }

    /// <summary>CRC-32 (IEEE 802.3, the one gzip uses), table-driven.</summary>
    private sealed class Crc32
    {
        private static readonly uint[] Table = BuildTable();
        private uint _crc = 0xFFFFFFFFu;

        public long Length { get; private set; }

        public uint Value => _crc ^ 0xFFFFFFFFu;

        public void Append(ReadOnlySpan<byte> data)
        {
            uint c = _crc;
            foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
            _crc = c;
            Length += data.Length;
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }
    }
}
