using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Impact.Shared.Feedback.Corpus;

/// <summary>
/// The fixed train/held-out split: a record is held out (<see cref="Eval"/>) when the first four bytes of
/// SHA-256(id), read big-endian, modulo 100 are below 30 — about 30 % of every language and length,
/// decided by the id alone, so adding texts never moves existing ones.
/// </summary>
public static class CorpusSplit
{
    /// <summary>The training part: the only texts training and tuning may read.</summary>
    public const string Train = "train";
    /// <summary>The held-out evaluation part: nothing trains or tunes on it.</summary>
    public const string Eval = "eval";

    /// <summary>The split the rule assigns to <paramref name="id"/>.</summary>
    public static string For(string id) => Bucket(id, 100) < 30 ? Eval : Train;

    /// <summary>A stable bucket 0..<paramref name="buckets"/>-1 of a string (SHA-256 based), also used for cross-validation folds.</summary>
    public static int Bucket(string value, int buckets)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)buckets);
    }
}
