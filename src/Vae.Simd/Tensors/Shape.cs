namespace Vae.Simd.Tensors;

/// <summary>Shape checks shared by every public entry point: they throw <see cref="ArgumentException"/>
/// naming the parameter and both shapes.</summary>
internal static class Shape
{
    /// <summary>"[rows × columns]".</summary>
    public static string Describe(int rows, int columns) => $"[{rows} × {columns}]";

    internal static int RequiredLength(int rows, int columns, int stride) => rows == 0 ? 0 : (rows - 1) * stride + columns;

    internal static void CheckView(int length, int rows, int columns, int stride, string parameter)
    {
        if (rows < 0 || columns < 0)
            throw new ArgumentOutOfRangeException(parameter, $"a matrix cannot have shape {Describe(rows, columns)}");
        if (stride < columns)
            throw new ArgumentOutOfRangeException(parameter, $"stride {stride} is smaller than the row width {columns}");
        long needed = rows == 0 ? 0 : (long)(rows - 1) * stride + columns;
        if (needed > length)
            throw new ArgumentException($"a {Describe(rows, columns)} view with stride {stride} needs {needed} elements but the span has {length}", parameter);
    }

    /// <summary>Throws unless <paramref name="actual"/> is <paramref name="rows"/>×<paramref name="columns"/>.</summary>
    public static void Check(ReadOnlyMatrixSpan actual, int rows, int columns, string parameter)
    {
        if (actual.Rows != rows || actual.Columns != columns)
            throw new ArgumentException($"{parameter} has shape {Describe(actual.Rows, actual.Columns)} but {Describe(rows, columns)} is required", parameter);
    }

    /// <summary>Throws unless both matrices have the same shape.</summary>
    public static void CheckSame(ReadOnlyMatrixSpan expected, ReadOnlyMatrixSpan actual, string parameter)
        => Check(actual, expected.Rows, expected.Columns, parameter);

    /// <summary>Throws unless <paramref name="actual"/> has <paramref name="length"/> elements.</summary>
    public static void CheckLength(int actual, int length, string parameter)
    {
        if (actual != length)
            throw new ArgumentException($"{parameter} has length {actual} but {length} is required", parameter);
    }
}
