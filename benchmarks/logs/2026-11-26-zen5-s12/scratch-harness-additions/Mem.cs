using Vae.Simd;
using Vae.Simd.Models;
public static class Mem
{
    public static void Run()
    {
        var model = new VariationalNetwork(new ModelConfig(), 1);
        var ws = model.CreateWorkspace(128, 1);
        var f = typeof(Vae.Simd.Tensors.Workspace).GetField("_floatLength", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        Console.WriteLine($"128-row workspace: {(int)f.GetValue(ws.Buffers)! * 4 / 1e6:F2} MB of floats");
    }
}
