using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vae.Simd.Kernels;

/// <summary>
/// A vector of floats of one width, for kernels written once for every width (CoreLib's own ISimdVector is internal): the
/// readonly structs <see cref="V512"/>, <see cref="V256"/>, <see cref="V128"/> wrap <c>Vector512/256/128&lt;float&gt;</c> and
/// <see cref="V1"/> is one float, so the scalar tail runs the very same arithmetic as the vector body — every element is
/// computed the same way whichever path takes it. The JIT specializes a generic kernel per struct and inlines these
/// members, so the wrappers cost nothing.
/// </summary>
internal interface ISimdVector<TSelf> where TSelf : struct, ISimdVector<TSelf>
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>True when this width runs in hardware on this machine (<see cref="V1"/>: always).</summary>
    static abstract bool IsAccelerated { get; }

    static abstract TSelf Load(ref float source, nuint index);
    static abstract void Store(TSelf value, ref float destination, nuint index);
    static abstract TSelf Create(float value);
    static abstract TSelf Add(TSelf a, TSelf b);
    static abstract TSelf Subtract(TSelf a, TSelf b);
    static abstract TSelf Multiply(TSelf a, TSelf b);
    static abstract TSelf Divide(TSelf a, TSelf b);
    /// <summary>
    /// a·b + c: fused (one rounding) where the hardware has FMA (every AVX2 and ARM64 machine), two roundings where it has
    /// not. Emulating FMA in software costs seven times a multiply and an add, and every width (<see cref="V1"/> too) makes
    /// the same choice on a given machine, so the widths still agree to the bit.
    /// </summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Max(TSelf a, TSelf b);
    /// <summary>x, or <paramref name="floor"/> where x is below it; NaN stays NaN. The processor's own max with x second,
    /// which returns x when either is NaN: one instruction, where <see cref="Max"/>'s IEEE rules (NaN and −0 handled in any
    /// order) cost three with AVX-512 and more without.</summary>
    static abstract TSelf AtLeast(TSelf x, TSelf floor);
    static abstract TSelf Abs(TSelf a);
    static abstract TSelf Sqrt(TSelf a);
    /// <summary>Rounds to the nearest integer, ties to even.</summary>
    static abstract TSelf Round(TSelf a);
    /// <summary>a where <paramref name="condition"/> (a &gt; 0 test, see <see cref="GreaterThanZero"/>), else b.</summary>
    static abstract TSelf Select(TSelf condition, TSelf a, TSelf b);
    /// <summary>A mask of the lanes where x &gt; 0.</summary>
    static abstract TSelf GreaterThanZero(TSelf x);
    /// <summary>A mask of the lanes where x ≥ 0.</summary>
    static abstract TSelf GreaterThanOrEqualZero(TSelf x);
    /// <summary>2ⁿ for integral n in [−126, 127], built from the exponent bits (the conversion without .NET's saturation,
    /// which such n never needs).</summary>
    static abstract TSelf PowerOfTwo(TSelf n);
    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TSelf a);
}

internal readonly struct V512(Vector512<float> v) : ISimdVector<V512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Load(ref float source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V512 value, ref float destination, nuint index) => value._v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Add(V512 a, V512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Subtract(V512 a, V512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Multiply(V512 a, V512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Divide(V512 a, V512 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 MultiplyAdd(V512 a, V512 b, V512 c) => new(Vector512.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Max(V512 a, V512 b) => new(Vector512.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 AtLeast(V512 x, V512 floor) => new(Vector512.MaxNative(floor._v, x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Abs(V512 a) => new(Vector512.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Sqrt(V512 a) => new(Vector512.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Round(V512 a) => new(Vector512.Round(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Select(V512 condition, V512 a, V512 b) => new(Vector512.ConditionalSelect(condition._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 GreaterThanZero(V512 x) => new(Vector512.GreaterThan(x._v, Vector512<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 GreaterThanOrEqualZero(V512 x) => new(Vector512.GreaterThanOrEqual(x._v, Vector512<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 PowerOfTwo(V512 n) => new(((Vector512.ConvertToInt32Native(n._v) + Vector512.Create(127)) << 23).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(V512 a) => Vector512.Sum(a._v);
}

internal readonly struct V256(Vector256<float> v) : ISimdVector<V256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Load(ref float source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V256 value, ref float destination, nuint index) => value._v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Create(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Add(V256 a, V256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Subtract(V256 a, V256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Multiply(V256 a, V256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Divide(V256 a, V256 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 MultiplyAdd(V256 a, V256 b, V256 c) => new(Vector256.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Max(V256 a, V256 b) => new(Vector256.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 AtLeast(V256 x, V256 floor) => new(Vector256.MaxNative(floor._v, x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Abs(V256 a) => new(Vector256.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Sqrt(V256 a) => new(Vector256.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Round(V256 a) => new(Vector256.Round(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Select(V256 condition, V256 a, V256 b) => new(Vector256.ConditionalSelect(condition._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 GreaterThanZero(V256 x) => new(Vector256.GreaterThan(x._v, Vector256<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 GreaterThanOrEqualZero(V256 x) => new(Vector256.GreaterThanOrEqual(x._v, Vector256<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 PowerOfTwo(V256 n) => new(((Vector256.ConvertToInt32Native(n._v) + Vector256.Create(127)) << 23).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(V256 a) => Vector256.Sum(a._v);
}

internal readonly struct V128(Vector128<float> v) : ISimdVector<V128>
{
    private readonly Vector128<float> _v = v;
    public static int Count => Vector128<float>.Count;
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Load(ref float source, nuint index) => new(Vector128.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V128 value, ref float destination, nuint index) => value._v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Create(float value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Add(V128 a, V128 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Subtract(V128 a, V128 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Multiply(V128 a, V128 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Divide(V128 a, V128 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 MultiplyAdd(V128 a, V128 b, V128 c) => new(Vector128.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Max(V128 a, V128 b) => new(Vector128.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 AtLeast(V128 x, V128 floor) => new(Vector128.MaxNative(floor._v, x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Abs(V128 a) => new(Vector128.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Sqrt(V128 a) => new(Vector128.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Round(V128 a) => new(Vector128.Round(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Select(V128 condition, V128 a, V128 b) => new(Vector128.ConditionalSelect(condition._v, a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 GreaterThanZero(V128 x) => new(Vector128.GreaterThan(x._v, Vector128<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 GreaterThanOrEqualZero(V128 x) => new(Vector128.GreaterThanOrEqual(x._v, Vector128<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 PowerOfTwo(V128 n) => new(((Vector128.ConvertToInt32Native(n._v) + Vector128.Create(127)) << 23).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(V128 a) => Vector128.Sum(a._v);
}

/// <summary>One float as a one-lane vector: the scalar tail (and the whole loop without SIMD) through the same generic code.</summary>
internal readonly struct V1(float v) : ISimdVector<V1>
{
    private readonly float _v = v;
    public static int Count => 1;
    public static bool IsAccelerated => true;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Load(ref float source, nuint index) => new(Unsafe.Add(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(V1 value, ref float destination, nuint index) => Unsafe.Add(ref destination, index) = value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Create(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Add(V1 a, V1 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Subtract(V1 a, V1 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Multiply(V1 a, V1 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Divide(V1 a, V1 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 MultiplyAdd(V1 a, V1 b, V1 c) => new(float.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Max(V1 a, V1 b) => new(MathF.Max(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 AtLeast(V1 x, V1 floor) => floor._v > x._v ? floor : x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Abs(V1 a) => new(MathF.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Sqrt(V1 a) => new(MathF.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Round(V1 a) => new(MathF.Round(a._v, MidpointRounding.ToEven));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Select(V1 condition, V1 a, V1 b) => BitConverter.SingleToInt32Bits(condition._v) != 0 ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 GreaterThanZero(V1 x) => new(x._v > 0 ? BitConverter.Int32BitsToSingle(-1) : 0f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 GreaterThanOrEqualZero(V1 x) => new(x._v >= 0 ? BitConverter.Int32BitsToSingle(-1) : 0f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 PowerOfTwo(V1 n) => new(BitConverter.Int32BitsToSingle(((int)n._v + 127) << 23));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(V1 a) => a._v;
}
