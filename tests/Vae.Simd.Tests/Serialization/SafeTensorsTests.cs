using System.Buffers.Binary;
using System.Text;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Serialization;

namespace Vae.Simd.Tests.Serialization;

public class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(ModelKind.Variational)]
    [InlineData(ModelKind.Autoencoder)]
    public void A_model_round_trips_with_its_configuration(ModelKind kind)
    {
        var config = new ModelConfig { Kind = kind, InputSize = 12, Hidden = [7, 5], Latent = 3, Activation = ActivationKind.Tanh, Likelihood = Likelihood.Gaussian };
        var model = LatentNetwork.Create(config, 9);
        string path = Path.Combine(_dir, "m.safetensors");
        ModelCheckpoint.Save(model, path, new Dictionary<string, string> { ["note"] = "x" });
        var loaded = ModelCheckpoint.Load(path, out var metadata, out _);
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(model.Parameters, loaded.Parameters);
        Assert.Equal("x", metadata["note"]);
        Assert.Equal(ModelCheckpoint.Format, metadata["format"]);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void The_file_follows_the_safetensors_layout()
    {
        var model = LatentNetwork.Create(new ModelConfig { InputSize = 4, Hidden = [3], Latent = 2 });
        string path = Path.Combine(_dir, "m.safetensors");
        ModelCheckpoint.Save(model, path);
        byte[] bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.Contains("\"encoder.0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]}", header);
        Assert.Equal(8 + n + 4L * model.Parameters.Length, bytes.Length);
        Assert.Equal(model.Parameters[0], BitConverter.ToSingle(bytes, 8 + (int)n));
    }

    private string Corrupt(Func<byte[], byte[]> change)
    {
        var model = LatentNetwork.Create(new ModelConfig { InputSize = 4, Hidden = [3], Latent = 2 });
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".safetensors");
        ModelCheckpoint.Save(model, path);
        File.WriteAllBytes(path, change(File.ReadAllBytes(path)));
        return path;
    }

    private static byte[] ReplaceInHeader(byte[] bytes, string from, string to)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.Contains(from, header);
        byte[] newHeader = Encoding.UTF8.GetBytes(header.Replace(from, to));
        var result = new byte[8 + newHeader.Length + bytes.Length - 8 - n];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)newHeader.Length);
        newHeader.CopyTo(result, 8);
        bytes.AsSpan(8 + n).CopyTo(result.AsSpan(8 + newHeader.Length));
        return result;
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "truncated", "truncated" },
        { "huge header", "not a safetensors file" },
        { "a JSON file", "not a safetensors file" },
        { "empty", "empty, or not a regular file" },
        { "header past end", "runs past the end" },
        { "bad json", "not valid JSON" },
        { "dtype", "only F32" },
        { "overlap", "overlaps" },
        { "shape", "needs [3, 4]" },
        { "missing tensor", "is missing" },
        { "nan", "NaN" },
        { "no config", "no model configuration" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Every_kind_of_damage_is_reported_with_the_file_and_the_reason(string damage, string expected)
    {
        string path = Corrupt(bytes => damage switch
        {
            "truncated" => bytes[..^10],
            "huge header" => [.. BitConverter.GetBytes(ulong.MaxValue / 2), .. bytes[8..]],
            "a JSON file" => System.Text.Encoding.UTF8.GetBytes("{\n  \"kind\": \"vae\",\n  \"latent\": 20\n}"),
            "empty" => [],
            "header past end" => [.. BitConverter.GetBytes((ulong)bytes.Length), .. bytes[8..]],
            "bad json" => ReplaceInHeader(bytes, "{\"__metadata__\"", "[\"__metadata__\""),
            "dtype" => ReplaceInHeader(bytes, "\"encoder.0.bias\":{\"dtype\":\"F32\"", "\"encoder.0.bias\":{\"dtype\":\"F16\""),
            "overlap" => ReplaceInHeader(bytes, "\"data_offsets\":[48,60]", "\"data_offsets\":[44,56]"),
            "shape" => ReplaceInHeader(bytes, "\"shape\":[3,4]", "\"shape\":[4,3]"),
            "missing tensor" => ReplaceInHeader(bytes, "\"decoder.2.bias\"", "\"decoder.9.bias\""),
            "nan" => NaNAt(bytes, 2),
            "no config" => ReplaceInHeader(bytes, "\"config\"", "\"cfg\""),
            _ => throw new ArgumentException(damage),
        });
        var ex = Assert.Throws<CheckpointException>(() => ModelCheckpoint.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    private static byte[] NaNAt(byte[] bytes, int index)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        BitConverter.GetBytes(float.NaN).CopyTo(bytes, 8 + n + 4 * index);
        return bytes;
    }

    [Fact]
    public void A_failed_write_leaves_the_existing_checkpoint_whole()
    {
        var model = LatentNetwork.Create(new ModelConfig { InputSize = 4, Hidden = [3], Latent = 2 });
        string path = Path.Combine(_dir, "keep.safetensors");
        ModelCheckpoint.Save(model, path);
        byte[] before = File.ReadAllBytes(path);
        // A tensor whose data does not match its shape makes the writer fail part-way.
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new SafeTensor("a", [2], [1f]), new SafeTensor("b", [1], [1f])]));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }
}
