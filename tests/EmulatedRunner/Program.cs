using System.Diagnostics;
using System.Reflection;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Sdk;

// Usage: EmulatedRunner [namespace-prefix …] [--exclude name-substring …]
// Runs the [Fact] and [Theory] ([InlineData], [MemberData]) tests of Vae.Simd.Tests whose namespace starts with
// Vae.Simd.Tests.<prefix>, in one thread, and exits 1 if any fails. The suite uses nothing else of xunit (no fixtures,
// no output helpers), which a test in this runner checks by failing loudly on a constructor it cannot call.
var include = new List<string>();
var exclude = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--exclude" && i + 1 < args.Length) exclude.Add(args[++i]);
    else include.Add("Vae.Simd.Tests." + args[i]);
}

Console.WriteLine($"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}; "
    + $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}; "
    + $"Arm dot product {System.Runtime.Intrinsics.Arm.Dp.IsSupported} (the int8 tests run its kernel when true)");
var assembly = typeof(Vae.Simd.Tests.Kernels.WidthTests).Assembly;
int passed = 0, failed = 0, skipped = 0;
var clock = Stopwatch.StartNew();
foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && t.IsPublic).OrderBy(t => t.FullName))
{
    if (include.Count > 0 && !include.Any(p => type.FullName!.StartsWith(p, StringComparison.Ordinal))) continue;
    foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).OrderBy(m => m.Name))
    {
        var fact = method.GetCustomAttribute<FactAttribute>();
        if (fact is null) continue;
        string name = $"{type.FullName}.{method.Name}";
        if (exclude.Any(e => name.Contains(e, StringComparison.Ordinal)) || fact.Skip is not null) { skipped++; continue; }
        var rows = fact is TheoryAttribute
            ? method.GetCustomAttributes<DataAttribute>().SelectMany(d => d.GetData(method)).ToList()
            : [Array.Empty<object?>()];
        foreach (var row in rows)
        {
            string label = rows.Count > 1 || row.Length > 0 ? $"{name}({string.Join(", ", row)})" : name;
            try
            {
                object? instance = method.IsStatic ? null : Activator.CreateInstance(type);
                try
                {
                    var result = method.Invoke(instance, Convert(row, method.GetParameters()));
                    if (result is Task task) task.GetAwaiter().GetResult();
                }
                finally { (instance as IDisposable)?.Dispose(); }
                passed++;
            }
            catch (Exception e)
            {
                failed++;
                var cause = e is TargetInvocationException { InnerException: not null } t ? t.InnerException : e;
                Console.WriteLine($"[FAIL] {label}\n  {cause!.GetType().Name}: {cause.Message.Replace("\n", "\n  ")}");
            }
        }
    }
}
Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped in {clock.Elapsed.TotalSeconds:F0} s");
return failed == 0 && passed > 0 ? 0 : 1;

// xunit converts InlineData values to the parameter types; the suite needs only the numeric widenings.
static object?[] Convert(object?[] row, ParameterInfo[] parameters)
{
    var converted = new object?[parameters.Length];
    for (int i = 0; i < parameters.Length; i++)
    {
        object? value = i < row.Length ? row[i] : parameters[i].DefaultValue;
        var target = Nullable.GetUnderlyingType(parameters[i].ParameterType) ?? parameters[i].ParameterType;
        converted[i] = value is IConvertible && value.GetType() != target && target.IsPrimitive
            ? System.Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture)
            : value;
    }
    return converted;
}
