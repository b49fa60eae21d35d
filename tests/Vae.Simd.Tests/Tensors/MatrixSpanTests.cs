using CommunityToolkit.HighPerformance;
using Vae.Simd;
using Vae.Simd.Tensors;

namespace Vae.Simd.Tests.Tensors;

public class MatrixSpanTests
{
    [Fact]
    public void A_view_with_pitch_addresses_rows_and_slices_without_copying()
    {
        var data = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
        var m = new MatrixSpan(data, 3, 4, 6);
        Assert.Equal(6f, m[1][0]);
        Assert.Equal(15f, m[2, 3]);
        Assert.False(m.IsDense);
        var block = m.SliceRows(1, 2).SliceColumns(1, 2);
        Assert.Equal(7f, block[0, 0]);
        Assert.Equal(14f, block[1, 1]);
        block[1, 1] = -1f;
        Assert.Equal(-1f, data[14]);
    }

    [Fact]
    public void Span2D_round_trips_keep_the_pitch_and_alias_the_data()
    {
        var data = new float[4 * 7];
        var span2d = new Span2D<float>(data, 0, 4, 5, 2);
        var m = MatrixSpan.FromSpan2D(span2d);
        Assert.Equal((4, 5, 7), (m.Rows, m.Columns, m.Stride));
        m[3, 4] = 9f;
        Assert.Equal(9f, data[3 * 7 + 4]);
        var back = m.AsSpan2D();
        Assert.Equal(9f, back[3, 4]);
        Assert.Equal(5, back.Width);
    }

    [Fact]
    public void Impossible_views_are_rejected_with_a_message_that_names_the_shapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MatrixSpan(new float[10], 3, 4));
        Assert.Contains("[3 × 4]", ex.Message);
        Assert.Contains("10", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MatrixSpan(new float[10], 2, 4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MatrixSpan(new float[10], -1, 4));
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() => new MatrixSpan(new float[12], 3, 4).SliceRows(2, 2));
        Assert.Contains("[2, 4)", ex2.Message);
    }

    [Fact]
    public void Pooled_matrices_start_zeroed_and_refuse_use_after_dispose()
    {
        var m = new Matrix(3, 5);
        Assert.All(m.Span.ToArray(), v => Assert.Equal(0f, v));
        m.AsSpan()[2, 4] = 1f;
        Assert.Equal(1f, m.AsReadOnlySpan()[2, 4]);
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.AsSpan());
        m.Dispose(); // twice is harmless
    }

    [Fact]
    public void Guard_reports_the_position_of_a_non_finite_value()
    {
        var data = new float[] { 0, 1, 2, 3, float.NaN, 5 };
        var ex = Assert.Throws<ArgumentException>(() => Guard.Finite(new ReadOnlyMatrixSpan(data, 2, 3), "x"));
        Assert.Contains("x[1, 1]", ex.Message);
        Assert.Equal("x", ex.ParamName);
        data[4] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => Guard.Finite(new ReadOnlyMatrixSpan(data, 2, 3), "x"));
        data[4] = 4;
        Guard.Finite(new ReadOnlyMatrixSpan(data, 2, 3), "x");
    }
}
