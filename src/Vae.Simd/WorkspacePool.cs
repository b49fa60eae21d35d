using Vae.Simd.Models;

namespace Vae.Simd;

/// <summary>
/// Inference workspaces of one model, lent one per call: concurrent calls never share buffers, and a warm pool hands them
/// out without allocating (a lock and a stack; no per-call objects).
/// </summary>
internal sealed class WorkspacePool(LatentNetwork network, int rows) : IDisposable
{
    private readonly Stack<NetworkWorkspace> _free = new();
    private bool _disposed;

    /// <summary>Rows each workspace holds.</summary>
    public int Rows => rows;

    public NetworkWorkspace Rent()
    {
        lock (_free)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.Count > 0)
            {
                var workspace = _free.Pop();
                workspace.ExactWeights = false;
                return workspace;
            }
        }
        return network.CreateWorkspace(rows);
    }

    public void Return(NetworkWorkspace workspace)
    {
        lock (_free)
        {
            if (!_disposed)
            {
                _free.Push(workspace);
                return;
            }
        }
        workspace.Dispose();
    }

    public void Dispose()
    {
        lock (_free)
        {
            _disposed = true;
            while (_free.Count > 0) _free.Pop().Dispose();
        }
    }
}
