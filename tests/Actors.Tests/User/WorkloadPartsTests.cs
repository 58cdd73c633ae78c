using ActorKernel.Runtime;

namespace ActorKernel.Actors.Tests.User;

[Trait("Area", "UserMode")]
public sealed class DataPatternTests
{
    [Fact]
    public void Pattern_depends_on_offset_and_generation_and_fill_matches_ByteAt_at_any_alignment()
    {
        var buffer = new byte[1000];
        DataPattern.Fill(buffer, 4093, 7);
        for (var i = 0; i < buffer.Length; i++)
        {
            Assert.Equal(DataPattern.ByteAt(4093 + i, 7), buffer[i]);
        }
        var other = new byte[1000];
        DataPattern.Fill(other, 4093, 8);
        // Another generation changes almost every byte; a shifted offset too.
        Assert.True(buffer.Zip(other).Count(p => p.First == p.Second) < 20);
        DataPattern.Fill(other, 4094, 7);
        Assert.True(buffer.Zip(other).Count(p => p.First == p.Second) < 20);
        Assert.Equal(-1, DataPattern.FindMismatch(buffer, 4093, 7));
    }

    [Fact]
    public void FindMismatch_names_the_first_flipped_byte_and_generation_0_means_zeros()
    {
        var buffer = new byte[512];
        DataPattern.Fill(buffer, 512, 3);
        buffer[300] ^= 0x01;
        buffer[400] ^= 0x80;
        Assert.Equal(300, DataPattern.FindMismatch(buffer, 512, 3));
        Assert.Equal(-1, DataPattern.FindMismatch(new byte[64], 0, 0));
        Assert.Equal(5, DataPattern.FindMismatch(new byte[] { 0, 0, 0, 0, 0, 9 }, 0, 0));
    }
}

[Trait("Area", "UserMode")]
public sealed class DataVerifierTests
{
    [Fact]
    public void A_read_checks_each_unit_against_the_generation_last_written_there()
    {
        var verifier = new DataVerifier(offset: 4096, length: 4096, unit: 512);
        var write = new byte[1024];
        var g = verifier.BeginWrite(5120, write);
        verifier.EndWrite(5120, 1024, g, succeeded: true, bytesWritten: 1024);

        // The disk as it should be: zeros, then the write's pattern, then zeros.
        var disk = new byte[4096];
        write.CopyTo(disk, 1024);
        Assert.True(verifier.CheckRead(4096, disk, out var none));
        Assert.Equal(-1, none);

        disk[1500] ^= 0x40;
        Assert.False(verifier.CheckRead(4096, disk, out var at));
        Assert.Equal(4096 + 1500, at);
        Assert.Equal(DataPattern.ByteAt(at, g), verifier.ExpectedAt(at));
    }

    [Fact]
    public void A_failed_or_short_write_makes_its_units_unknown_until_written_again()
    {
        var verifier = new DataVerifier(0, 2048, 512);
        var data = new byte[512];
        var g = verifier.BeginWrite(512, data);
        verifier.EndWrite(512, 512, g, succeeded: false, bytesWritten: 0);
        var garbage = new byte[512];
        Array.Fill(garbage, (byte)0xAB);
        Assert.True(verifier.CheckRead(512, garbage, out _));
        g = verifier.BeginWrite(512, data);
        verifier.EndWrite(512, 512, g, succeeded: true, bytesWritten: 256);
        Assert.True(verifier.CheckRead(512, garbage, out _));
        Assert.False(verifier.CheckRead(0, garbage, out _)); // unit 0 was never written: zeros expected
    }

    [Fact]
    public void Requests_outside_the_slice_or_off_the_unit_are_refused()
    {
        var verifier = new DataVerifier(1024, 1024, 512);
        Assert.Throws<ArgumentOutOfRangeException>(() => verifier.BeginWrite(0, new byte[512]));
        Assert.Throws<ArgumentOutOfRangeException>(() => verifier.BeginWrite(1024 + 256, new byte[512]));
        Assert.Throws<ArgumentOutOfRangeException>(() => verifier.CheckRead(1536, new byte[1024], out _));
    }
}

[Trait("Area", "UserMode")]
public sealed class DistributionTests
{
    [Fact]
    public void Mix_draws_each_operation_in_proportion_to_its_weight()
    {
        var mix = new OperationMix(Read: 0.6, Write: 0.3, Ioctl: 0.1);
        var random = new DeterministicRandom(42);
        var counts = new Dictionary<IrpMajorFunction, int>();
        const int N = 100_000;
        for (var i = 0; i < N; i++)
        {
            var op = mix.Next(random);
            counts[op] = counts.GetValueOrDefault(op) + 1;
        }
        Assert.InRange(counts[IrpMajorFunction.Read] / (double)N, 0.59, 0.61);
        Assert.InRange(counts[IrpMajorFunction.Write] / (double)N, 0.29, 0.31);
        Assert.InRange(counts[IrpMajorFunction.DeviceControl] / (double)N, 0.095, 0.105);
        Assert.Throws<ArgumentException>(() => new OperationMix(0, 0, 0).Validate());
        Assert.Throws<ArgumentException>(() => new OperationMix(-1, 2).Validate());
    }

    [Fact]
    public void Uniform_sizes_are_aligned_cover_the_range_evenly_and_never_exceed_the_limit()
    {
        var sizes = SizeDistribution.Uniform(512, 4096, 512);
        var random = new DeterministicRandom(1);
        var seen = new SortedDictionary<int, int>();
        for (var i = 0; i < 80_000; i++)
        {
            var s = sizes.Next(random, long.MaxValue);
            seen[s] = seen.GetValueOrDefault(s) + 1;
        }
        Assert.Equal([512, 1024, 1536, 2048, 2560, 3072, 3584, 4096], seen.Keys);
        Assert.All(seen.Values, n => Assert.InRange(n, 9_000, 11_000));
        for (var i = 0; i < 1000; i++)
        {
            Assert.InRange(sizes.Next(random, 1500), 512, 1024);
        }
    }

    [Fact]
    public void Weighted_sizes_follow_their_weights_and_align_to_the_common_divisor()
    {
        var sizes = SizeDistribution.Weighted((4096, 3), (65536, 1));
        Assert.Equal(4096, sizes.Alignment);
        var random = new DeterministicRandom(9);
        var small = 0;
        for (var i = 0; i < 40_000; i++)
        {
            small += sizes.Next(random, long.MaxValue) == 4096 ? 1 : 0;
        }
        Assert.InRange(small / 40_000.0, 0.74, 0.76);
        Assert.Throws<ArgumentException>(() => SizeDistribution.Uniform(600, 1000, 512));
    }

    [Fact]
    public void The_same_seed_draws_the_same_sequence_and_another_seed_another()
    {
        static List<(IrpMajorFunction, int)> Draw(ulong seed)
        {
            var random = new DeterministicRandom(seed).Derive("workload").Derive("slot0");
            var mix = new OperationMix(1, 1, 1);
            var sizes = SizeDistribution.Uniform(1, 65536);
            return [.. Enumerable.Range(0, 1000).Select(_ => (mix.Next(random), sizes.Next(random, long.MaxValue)))];
        }
        Assert.Equal(Draw(5), Draw(5));
        Assert.NotEqual(Draw(5), Draw(6));
    }
}

[Trait("Area", "UserMode")]
public sealed class WorkloadDefinitionTests
{
    [Fact]
    public void Validate_refuses_what_cannot_run()
    {
        var ok = new WorkloadDefinition { Name = "w", FileName = "\\\\.\\RamDisk0", QueueDepth = 32, RegionLength = 65536, Sizes = SizeDistribution.Fixed(512) };
        ok.Validate();
        Assert.Throws<ArgumentException>(() => (ok with { QueueDepth = 0 }).Validate());
        Assert.Throws<ArgumentException>(() => (ok with { QueueDepth = 4097 }).Validate());
        Assert.Throws<ArgumentException>(() => (ok with { RegionLength = 32 * 256 }).Validate()); // under one 512-byte unit per slot
        Assert.Throws<ArgumentException>(() => (ok with { Mix = new OperationMix(1, 0, 1) }).Validate()); // IOCTLs without a source
        Assert.Throws<ArgumentException>(() => (ok with { ThinkTimeNanoseconds = -1 }).Validate());
    }
}
