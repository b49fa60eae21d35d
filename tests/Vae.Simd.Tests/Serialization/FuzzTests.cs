using System.IO.Compression;
using FsCheck.Fluent;
using Vae.Simd.Data;
using Vae.Simd.Serialization;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Serialization;

/// <summary>
/// Byte-level fuzzing of the two file formats the library reads: thousands of mutations (bit flips, truncations, insertions,
/// header-field edits) of valid IDX files (raw and gzip) and of a valid model checkpoint. Every case must either load or throw
/// the format's own exception with a message that names the source — never another exception, never a large allocation, never a hang.
/// </summary>
public class FuzzTests
{
    private enum Mutation { FlipBits, Truncate, Insert, HeaderField }

    private sealed record Case(Mutation Kind, int Position, int Count, int Value, int Seed)
    {
        public byte[] Apply(byte[] original, int headerLength)
        {
            var random = new Random(Seed);
            var bytes = original.ToList();
            int at = Position % Math.Max(1, bytes.Count);
            switch (Kind)
            {
                case Mutation.FlipBits:
                    for (int i = 0; i < Count; i++) { int p = random.Next(bytes.Count); bytes[p] ^= (byte)(1 << random.Next(8)); }
                    break;
                case Mutation.Truncate: bytes.RemoveRange(at, bytes.Count - at); break;
                case Mutation.Insert: bytes.InsertRange(at, Enumerable.Range(0, Count).Select(_ => (byte)random.Next(256))); break;
                case Mutation.HeaderField:
                    // Overwrite 4 bytes of the header with an extreme or random value: sizes, counts, lengths.
                    int h = Position % Math.Max(1, Math.Min(headerLength, bytes.Count) - 3);
                    uint value = (Value % 4) switch { 0 => 0xFFFFFFFFu, 1 => 0x7FFFFFFFu, 2 => 0u, _ => (uint)random.Next() };
                    for (int i = 0; i < 4 && h + i < bytes.Count; i++) bytes[h + i] = (byte)(value >> (8 * (3 - i)));
                    break;
            }
            return bytes.ToArray();
        }
    }

    private static readonly FsCheck.Gen<Case> Cases =
        from kind in Gen.Elements(Enum.GetValues<Mutation>())
        from position in Gen.Choose(0, int.MaxValue)
        from count in Gen.Choose(1, 40)
        from value in Gen.Choose(0, 1000)
        from seed in Gen.Choose(0, int.MaxValue)
        select new Case(kind, position, count, value, seed);

    /// <summary>Runs every case within a time budget, checking the exception and the allocation of each.</summary>
    private static void Fuzz(Func<byte[], object> load, byte[] valid, int headerLength, Type expected, string source, int cases)
    {
        Assert.NotNull(load(valid));   // the untouched file loads
        var run = Task.Run(() => Properties.Check(Cases, c =>
        {
            var bytes = c.Apply(valid, headerLength);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Record.Exception(() => load(bytes));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < (64L << 20) + 64 * bytes.Length, $"{c}: {allocated:N0} bytes allocated for a {bytes.Length}-byte file");
            if (error is null) return;
            Assert.True(error.GetType() == expected, $"{c}: {error.GetType().Name}: {error.Message}");
            Assert.Contains(source, error.Message);
        }, maxTest: cases));
        Assert.True(run.Wait(TimeSpan.FromMinutes(3)), "fuzzing hung");
        run.GetAwaiter().GetResult();
    }

    private static byte[] Gzip(byte[] content)
    {
        using var memory = new MemoryStream();
        using (var zip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(content);
        return memory.ToArray();
    }

    private static readonly byte[] ValidIdx = SyntheticData.Images(12, 5, new Common.SeededRandom(3));

    [Fact]
    public void Mutated_raw_IDX_files_fail_only_with_a_DataFormatException_that_names_them()
        => Fuzz(b => IdxFile.Read(new MemoryStream(b), "fuzzed.idx"), ValidIdx, 16, typeof(DataFormatException), "fuzzed.idx", 3000);

    [Fact]
    public void Mutated_gzip_IDX_files_fail_only_with_a_DataFormatException_that_names_them()
        => Fuzz(b => IdxFile.Read(new MemoryStream(b), "fuzzed.idx.gz"), Gzip(ValidIdx), 10, typeof(DataFormatException), "fuzzed.idx.gz", 3000);

    [Fact]
    public void Mutated_model_checkpoints_fail_only_with_a_CheckpointException_that_names_them()
    {
        string folder = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));
        try
        {
            using (var model = new VariationalAutoencoder(new ModelConfig { InputSize = 6, Hidden = [4], Latent = 2 }))
                model.Save(Path.Combine(folder, "model.safetensors"));
            var valid = File.ReadAllBytes(Path.Combine(folder, "model.safetensors"));
            int header = 8 + (int)BitConverter.ToUInt64(valid, 0);
            Fuzz(b =>
            {
                var (tensors, metadata) = SafeTensors.Parse(b, "fuzzed.safetensors");
                return ModelCheckpoint.FromTensors("fuzzed.safetensors", tensors, metadata, out _);
            }, valid, header, typeof(CheckpointException), "fuzzed.safetensors", 3000);
        }
        finally { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Mutated_npy_files_fail_only_with_a_DataFormatException_that_names_them()
    {
        using var valid = new MemoryStream();
        NpyFile.WriteFloat32(valid, Enumerable.Range(0, 6 * 5).Select(i => i * 0.5f).ToArray(), 6, 5);
        Fuzz(b => Dataset.ReadNpy(new MemoryStream(b), "fuzzed.npy"), valid.ToArray(), 128, typeof(DataFormatException), "fuzzed.npy", 3000);
    }

    [Fact]
    public void Mutated_csv_files_fail_only_with_a_DataFormatException_that_names_them()
    {
        string folder = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "fuzzed.csv");
            var valid = System.Text.Encoding.UTF8.GetBytes("a,b,\"c\",label\n1.5,2,3e2,x\n-4,5.25,6,y\n7,8,9,x\n");
            Fuzz(b =>
            {
                File.WriteAllBytes(path, b);
                return Vae.Cli.Data.CsvTable.Load(path, new Vae.Cli.Data.CsvOptions(LabelColumn: "label"));
            }, valid, 16, typeof(DataFormatException), "fuzzed.csv", 1500);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Mutated_checkpoints_with_a_feature_scaling_fail_only_with_a_CheckpointException_that_names_them()
    {
        string folder = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var table = Dataset.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i * i % 17)).ToArray(), 4);
            using (var model = new VariationalAutoencoder(new ModelConfig { InputSize = 4, Hidden = [3], Latent = 2, Likelihood = Likelihood.GaussianLearnedVariance }))
            {
                model.Scaling = FeatureScaling.Standardize(table);
                model.Save(Path.Combine(folder, "model.safetensors"));
            }
            string path = Path.Combine(folder, "fuzzed.safetensors");
            var valid = File.ReadAllBytes(Path.Combine(folder, "model.safetensors"));
            int header = 8 + (int)BitConverter.ToUInt64(valid, 0);
            Fuzz(b =>
            {
                File.WriteAllBytes(path, b);
                var model = LatentModel.Load(path);
                model.Dispose();
                return model;
            }, valid, header, typeof(CheckpointException), "fuzzed.safetensors", 1500);
        }
        finally { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
    }
}
