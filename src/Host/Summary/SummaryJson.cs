using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorKernel.Host;

/// <summary>The JSON form of summaries and dumps: camelCase, indented, stable.</summary>
internal static class SummaryJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // readable arrows and µ in names; files are not HTML
    };
}
