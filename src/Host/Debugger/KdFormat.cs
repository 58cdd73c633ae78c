using System.Globalization;

namespace ActorKernel.Host.Debugger;

/// <summary>The debugger's ways of writing numbers, addresses and symbols.</summary>
internal static class KdFormat
{
    /// <summary>A 64-bit address the way kd prints it: <c>fffff801`00001000</c>.</summary>
    /// <param name="value">The address.</param>
    /// <returns>The text.</returns>
    public static string Address(ulong value)
    {
        var hex = value.ToString("x16", CultureInfo.InvariantCulture);
        return hex[..8] + "`" + hex[8..];
    }

    /// <summary>An optional address, 0 when absent.</summary>
    /// <param name="value">The address.</param>
    /// <returns>The text.</returns>
    public static string Address(ulong? value) => Address(value ?? 0);

    /// <summary>The module name kd uses in symbols: nt for the kernel, the image name without its extension otherwise.</summary>
    /// <param name="image">The image (ntoskrnl.exe, zoo.sys).</param>
    /// <returns>The short name.</returns>
    public static string ModuleShortName(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Equals("ntoskrnl.exe", StringComparison.OrdinalIgnoreCase) || image.Equals("nt", StringComparison.OrdinalIgnoreCase))
        {
            return "nt";
        }
        var dot = image.LastIndexOf('.');
        return dot > 0 ? image[..dot] : image;
    }

    /// <summary>Parses an address or number as kd does: hex by default, optional 0x and backtick.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The value.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParseNumber(string text, out ulong value)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Replace("`", "", StringComparison.Ordinal);
        if (t.StartsWith("0n", StringComparison.OrdinalIgnoreCase))
        {
            return ulong.TryParse(t.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            t = t[2..];
        }
        return ulong.TryParse(t, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
