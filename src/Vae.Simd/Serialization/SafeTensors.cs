using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Vae.Simd.Serialization;

/// <summary>One tensor of a safetensors file.</summary>
internal sealed record SafeTensor(string Name, int[] Shape, float[] Data);

/// <summary>
/// The safetensors format (what PyTorch, Hugging Face and others read): an 8-byte little-endian
/// header length N, N bytes of JSON — {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
/// "__metadata__": {string: string}} — then the raw little-endian tensor bytes. Only F32 is written
/// or read here. Written atomically; read with every field validated.
/// </summary>
internal static class SafeTensors
{
    /// <summary>The largest file read: a model may have at most 2³⁰ parameters, 4 GiB of F32, plus an optimizer state.</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Headers larger than this are refused (the format's own reference reader uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writes the tensors to <paramref name="path"/> through a temporary file in the same folder
    /// and a rename, so an existing file is either kept whole or replaced whole.</summary>
    public static void Write(string path, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                long elements = t.Shape.Aggregate(1L, (a, b) => a * b);
                if (elements != t.Data.Length)
                    throw new ArgumentException($"tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}] but {t.Data.Length} values", nameof(tensors));
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4 * elements);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4 * elements;
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces to a multiple of 8 so the tensor data is aligned (as the format recommends).
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (Directory.Exists(full)) throw new IOException($"{path}: is a directory; give a file name (e.g. {Path.Combine(path, "model.safetensors")})");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{path}: cannot be written, the folder {folder} does not exist");
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                Span<byte> scratch = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(scratch, (ulong)header.Length);
                file.Write(scratch);
                header.Position = 0;
                header.CopyTo(file);
                foreach (var t in tensors)
                {
                    if (BitConverter.IsLittleEndian) file.Write(MemoryMarshal.AsBytes(t.Data.AsSpan()));
                    else foreach (float v in t.Data) { BinaryPrimitives.WriteSingleLittleEndian(scratch, v); file.Write(scratch[..4]); }
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        // The temporary file is ours, not the caller's: errors name the file they asked for.
        catch (UnauthorizedAccessException e) { throw new UnauthorizedAccessException($"{path}: cannot be written (no permission in {folder})", e); }
        catch (IOException e) when (e is not DirectoryNotFoundException) { throw new IOException($"{path}: cannot be written ({e.Message.Replace(temporary, full)})", e); }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Reads and validates a safetensors file of F32 tensors.</summary>
    public static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        if (Directory.Exists(path)) throw new CheckpointException($"{path}: is a directory, not a safetensors file");
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found");
        // A device or a pipe reports length 0 (and a pipe would block the open): refuse them unopened, with empty files.
        long length = new FileInfo(path).Length;
        if (length == 0) throw new CheckpointException($"{path}: empty, or not a regular file (a device or a pipe)");
        if (length > MaxFileBytes) throw new CheckpointException($"{path}: {length:N0} bytes is more than a model file may be ({MaxFileBytes:N0})");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new CheckpointException($"{path}: cannot be read ({e.Message})", e); }
        catch (UnauthorizedAccessException e) { throw new CheckpointException($"{path}: cannot be read ({e.Message})", e); }
        return Parse(bytes, path);
    }

    /// <summary>Parses safetensors bytes; <paramref name="source"/> names them in errors.</summary>
    public static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 8) throw new CheckpointException($"{source}: not a safetensors file ({bytes.Length} bytes is too short for its header length)");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes) throw new CheckpointException($"{source}: not a safetensors file (its first 8 bytes give a header length of {headerLength}, beyond the {MaxHeaderBytes}-byte limit)");
        if (headerLength > (ulong)(bytes.Length - 8)) throw new CheckpointException($"{source}: header length {headerLength} runs past the end of the file ({bytes.Length} bytes): truncated?");
        ReadOnlySpan<byte> headerBytes = bytes.Slice(8, (int)headerLength);
        ReadOnlySpan<byte> data = bytes[(8 + (int)headerLength)..];

        JsonDocument document;
        try { document = JsonDocument.Parse(headerBytes.ToArray()); }
        catch (JsonException e) { throw new CheckpointException($"{source}: the header is not valid JSON ({e.Message})", e); }
        // JSON that parses may still hold names or strings that are not valid UTF-8 text; reading them throws.
        try { return Interpret(document, data, source); }
        catch (InvalidOperationException e) { throw new CheckpointException($"{source}: the header holds text that is not valid UTF-8 ({e.Message})", e); }
        finally { document.Dispose(); }
    }

    private static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Interpret(JsonDocument document, ReadOnlySpan<byte> data, string source)
    {
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{source}: the header is not a JSON object");
            var metadata = new Dictionary<string, string>();
            var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{source}: __metadata__ is not an object");
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw new CheckpointException($"{source}: metadata '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                var entry = ParseEntry(property, source);
                if (entries.Any(e => e.Name == entry.Item1)) throw new CheckpointException($"{source}: tensor '{entry.Item1}' is declared twice");
                entries.Add(entry);
            }

            // Offsets must lie inside the data, not overlap, and (as the format requires) cover it exactly.
            var sorted = entries.OrderBy(e => e.Begin).ToList();
            long expected = 0;
            foreach (var e in sorted)
            {
                if (e.Begin != expected)
                    throw new CheckpointException(e.Begin < expected
                        ? $"{source}: tensor '{e.Name}' overlaps the tensor before it (starts at byte {e.Begin}, previous ends at {expected})"
                        : $"{source}: {e.Begin - expected} bytes before tensor '{e.Name}' belong to no tensor");
                expected = e.End;
            }
            if (expected != data.Length)
                throw new CheckpointException(expected > data.Length
                    ? $"{source}: tensors need {expected} data bytes but the file has {data.Length}: truncated?"
                    : $"{source}: {data.Length - expected} bytes after the last tensor belong to no tensor");

            var tensors = new List<SafeTensor>(entries.Count);
            foreach (var (name, shape, begin, end) in entries)
            {
                var values = new float[(end - begin) / 4];
                var slice = data.Slice((int)begin, (int)(end - begin));
                if (BitConverter.IsLittleEndian) slice.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                else for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(slice[(4 * i)..]);
                tensors.Add(new SafeTensor(name, shape, values));
            }
            return (tensors, metadata);
        }
    }

    private static (string, int[], long, long) ParseEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{source}: tensor '{name}' is not an object");
        if (!v.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new CheckpointException($"{source}: tensor '{name}' has no dtype");
        if (dtype.GetString() != "F32") throw new CheckpointException($"{source}: tensor '{name}' has dtype {dtype.GetString()}; only F32 is supported");
        if (!v.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CheckpointException($"{source}: tensor '{name}' has no shape");
        var shape = new List<int>();
        long elements = 1;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw new CheckpointException($"{source}: tensor '{name}' has an invalid dimension {d}");
            shape.Add(size);
            if (size != 0 && elements > int.MaxValue / size)
                throw new CheckpointException($"{source}: tensor '{name}' of shape [{string.Join(", ", shape)}, …] has more elements than an array holds");
            elements *= size;
        }
        if (!v.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new CheckpointException($"{source}: tensor '{name}' has no [begin, end] data_offsets");
        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new CheckpointException($"{source}: tensor '{name}' has invalid data_offsets [{offsets[0]}, {offsets[1]}]");
        if (end - begin != 4 * elements)
            throw new CheckpointException($"{source}: tensor '{name}' of shape [{string.Join(", ", shape)}] needs {4 * elements} bytes but its offsets span {end - begin}");
        return (name, shape.ToArray(), begin, end);
    }
}
