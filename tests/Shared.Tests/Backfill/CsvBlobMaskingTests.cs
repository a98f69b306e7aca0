using System.Text;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs.Specialized;
using Impact.Shared.Backfill;
using Impact.TestSupport;

namespace Impact.Shared.Tests.Backfill;

/// <summary>Masking a person's records in stored CSV files, against Azurite.</summary>
public sealed class CsvBlobMaskingTests
{
    private const string Email = "anna.k@example.org";

    // What a masked record must look like: every byte but quotes, delimiters and line breaks is '*'.
    private static string Masked(string record) => Regex.Replace(record, "[^;\"\r\n]", "*");

    private static async Task<BlockBlobClient> NewBlobAsync()
    {
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("masking"));
        await container.CreateIfNotExistsAsync();
        return container.GetBlockBlobClient("file.csv");
    }

    [Theory]
    [InlineData("anna.k@example.org", true)]
    [InlineData("ANNA.K@Example.ORG", true)]
    [InlineData("<anna.k@example.org>, bob@example.org", true)]
    [InlineData("participant_email 'anna.k@example.org' is not valid", true)]
    [InlineData("joanna.k@example.org", false)]
    [InlineData("anna.k@example.org.uk", false)]
    [InlineData("x.anna.k@example.org", false)]
    [InlineData("", false)]
    public void AnAddressCountsOnlyOnItsOwnAndInAnyCase(string text, bool names) =>
        Assert.Equal(names, CsvBlobMasking.NamesAddress(text, Email));

    [Fact]
    public async Task RecordsSpanningBlocksAreMaskedAcrossTheBoundaryAndTheBlockIdsStay()
    {
        var records = new[]
        {
            "id;email;note\r\n",
            "1;bob@example.org;\"fine\"\r\n",
            $"2;{Email.ToUpperInvariant()};\"said \"\"hi\"\";\nthen left\"\r\n",
            "3;joanna.k@example.org;ok\r\n",
            $"4;carol@example.org;\"met {Email} today\"\r\n",
            "5;dave@example.org;end\r\n",
        };
        var bytes = Encoding.UTF8.GetBytes(string.Concat(records));
        var blob = await NewBlobAsync();
        // Blocks of 7 bytes: every record crosses at least one block boundary.
        var ids = new List<string>();
        for (var offset = 0; offset < bytes.Length; offset += 7)
        {
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(ids.Count.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)));
            await blob.StageBlockAsync(id, new MemoryStream(bytes, offset, Math.Min(7, bytes.Length - offset)));
            ids.Add(id);
        }

        await blob.CommitBlockListAsync(ids);

        var masked = await CsvBlobMasking.MaskRecordsNamingAsync(blob, ';', Email);

        Assert.Equal(2, masked);
        var expected = records[0] + records[1] + Masked(records[2]) + records[3] + Masked(records[4]) + records[5];
        Assert.Equal(expected, (await blob.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(ids, (await blob.GetBlockListAsync()).Value.CommittedBlocks.Select(b => b.Name));
        Assert.Empty(await CsvBlobMasking.FindRecordsNamingAsync(blob, ';', Email));
        Assert.Equal(0, await CsvBlobMasking.MaskRecordsNamingAsync(blob, ';', Email));
    }

    [Fact]
    public async Task AFileUploadedInOneRequestIsRewrittenWholeAtTheSameLength()
    {
        // About 6 MB in one request: rewritten as blocks of at most 4 MiB, the person's record in the middle.
        var lines = Enumerable.Range(0, 150_000).Select(i => i == 75_000
            ? $"{i};{Email};\"x;y\"\r\n"
            : $"{i};person{i}@example.org;\"note {i}\"\r\n").ToArray();
        var text = "id;email;note\r\n" + string.Concat(lines);
        var blob = await NewBlobAsync();
        await blob.UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        Assert.Empty((await blob.GetBlockListAsync()).Value.CommittedBlocks);

        Assert.Equal(1, await CsvBlobMasking.MaskRecordsNamingAsync(blob, ';', Email));

        var after = (await blob.DownloadContentAsync()).Value.Content.ToString();
        Assert.Equal(text.Replace(lines[75_000], Masked(lines[75_000]), StringComparison.Ordinal), after);
        var size = Encoding.UTF8.GetByteCount(text);
        Assert.True(size > 4 << 20);
        Assert.Equal((size + (4 << 20) - 1) / (4 << 20), (await blob.GetBlockListAsync()).Value.CommittedBlocks.Count());
    }

    [Fact]
    public async Task AMissingFileHasNothingToMask()
    {
        var blob = await NewBlobAsync();

        Assert.Equal(0, await CsvBlobMasking.MaskRecordsNamingAsync(blob, ',', Email));
        Assert.Empty(await CsvBlobMasking.FindRecordsNamingAsync(blob, ',', Email));
    }
}
