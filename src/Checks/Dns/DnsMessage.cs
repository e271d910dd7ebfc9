using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace MetaCheck.Checks.Dns;

public enum DnsType : ushort { A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28 }

/// <summary>A response that does not follow RFC 1035 (truncated, looping pointers, bad lengths).</summary>
public sealed class DnsFormatException(string message) : Exception(message);

/// <summary>One resource record; <see cref="Data"/> is the decoded RDATA (address, name, text) or hex.</summary>
public sealed record DnsRecord(string Name, ushort Type, ushort Class, uint Ttl, string Data)
{
    public bool Is(DnsType type) => Type == (ushort)type;
}

public sealed record DnsResponse(ushort Id, bool Truncated, int ResponseCode, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Authority)
{
    public const int NoError = 0, FormErr = 1, ServFail = 2, NxDomain = 3, Refused = 5;

    public static string CodeName(int rcode) => rcode switch
    {
        NoError => "NOERROR", FormErr => "FORMERR", ServFail => "SERVFAIL", NxDomain => "NXDOMAIN", 4 => "NOTIMP", Refused => "REFUSED",
        _ => $"RCODE {rcode}",
    };
}

/// <summary>RFC 1035 section 4: building a query and parsing a response, with every length checked.</summary>
public static class DnsMessage
{
    private const int MaxPointerJumps = 64;

    public static byte[] Query(ushort id, string name, DnsType type)
    {
        var buffer = new List<byte>(64);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        header[2] = 0x01; // RD: ask the server to recurse
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);
        buffer.AddRange(header.ToArray());
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length > 63) throw new ArgumentException($"label '{label}' is longer than 63 characters");
            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }
        buffer.Add(0);
        buffer.Add((byte)((ushort)type >> 8));
        buffer.Add((byte)type);
        buffer.Add(0);
        buffer.Add(1); // IN
        if (buffer.Count > 512) throw new ArgumentException("name too long for a DNS query");
        return buffer.ToArray();
    }

    public static DnsResponse Parse(ReadOnlySpan<byte> message)
    {
        if (message.Length < 12) throw new DnsFormatException($"response of {message.Length} bytes is shorter than a DNS header");
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(message);
        byte flags1 = message[2], flags2 = message[3];
        if ((flags1 & 0x80) == 0) throw new DnsFormatException("message is a query, not a response");
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int authority = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int offset = 12;
        for (int i = 0; i < questions; i++)
        {
            ReadName(message, ref offset);
            Need(message, offset, 4);
            offset += 4;
        }
        var answerRecords = ReadRecords(message, ref offset, answers);
        var authorityRecords = ReadRecords(message, ref offset, authority);
        return new DnsResponse(id, (flags1 & 0x02) != 0, flags2 & 0x0F, answerRecords, authorityRecords);
    }

    private static List<DnsRecord> ReadRecords(ReadOnlySpan<byte> message, ref int offset, int count)
    {
        var records = new List<DnsRecord>(Math.Min(count, 64));
        for (int i = 0; i < count; i++)
        {
            var name = ReadName(message, ref offset);
            Need(message, offset, 10);
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            ushort cls = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(offset + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
            offset += 10;
            Need(message, offset, length);
            records.Add(new DnsRecord(name, type, cls, ttl, ReadData(message, offset, length, type)));
            offset += length;
        }
        return records;
    }

    private static string ReadData(ReadOnlySpan<byte> message, int offset, int length, ushort type)
    {
        var data = message.Slice(offset, length);
        int cursor = offset;
        switch ((DnsType)type)
        {
            case DnsType.A when length == 4:
            case DnsType.AAAA when length == 16:
                return new IPAddress(data).ToString();
            case DnsType.A or DnsType.AAAA:
                throw new DnsFormatException($"address record of {length} bytes");
            case DnsType.CNAME or DnsType.NS or DnsType.PTR:
                return Within(ReadName(message, ref cursor), cursor, offset + length);
            case DnsType.MX:
                Need(message, offset, 2, offset + length);
                cursor += 2;
                var exchange = ReadName(message, ref cursor);
                return Within($"{BinaryPrimitives.ReadUInt16BigEndian(data)} {exchange}", cursor, offset + length);
            case DnsType.SOA:
                var mname = ReadName(message, ref cursor);
                var rname = ReadName(message, ref cursor);
                Need(message, cursor, 20, offset + length);
                var serial = BinaryPrimitives.ReadUInt32BigEndian(message[cursor..]);
                return Within($"{mname} {rname} {serial}", cursor + 20, offset + length);
            case DnsType.TXT:
                var parts = new List<string>();
                int at = 0;
                while (at < length)
                {
                    int n = data[at];
                    if (at + 1 + n > length) throw new DnsFormatException("TXT string runs past its record");
                    parts.Add(Encoding.UTF8.GetString(data.Slice(at + 1, n)));
                    at += 1 + n;
                }
                return string.Concat(parts);
            default:
                return Convert.ToHexString(data);
        }
    }

    private static string Within(string value, int end, int limit) =>
        end <= limit ? value : throw new DnsFormatException("record data runs past its length");

    /// <summary>A possibly compressed name (RFC 1035 4.1.4); pointers may only be followed a bounded number of times.</summary>
    public static string ReadName(ReadOnlySpan<byte> message, ref int offset)
    {
        var name = new StringBuilder();
        int cursor = offset, jumps = 0, total = 0;
        bool jumped = false;
        while (true)
        {
            Need(message, cursor, 1);
            int length = message[cursor];
            if ((length & 0xC0) == 0xC0)
            {
                Need(message, cursor, 2);
                if (++jumps > MaxPointerJumps) throw new DnsFormatException("compression pointers loop");
                int target = BinaryPrimitives.ReadUInt16BigEndian(message[cursor..]) & 0x3FFF;
                if (!jumped) offset = cursor + 2;
                jumped = true;
                cursor = target;
                continue;
            }
            if ((length & 0xC0) != 0) throw new DnsFormatException($"label type 0x{length:x2} is not supported");
            cursor++;
            if (length == 0) break;
            Need(message, cursor, length);
            total += length + 1;
            if (total > 255) throw new DnsFormatException("name longer than 255 bytes");
            if (name.Length > 0) name.Append('.');
            name.Append(Encoding.ASCII.GetString(message.Slice(cursor, length)));
            cursor += length;
        }
        if (!jumped) offset = cursor;
        return name.Length == 0 ? "." : name.ToString();
    }

    private static void Need(ReadOnlySpan<byte> message, int offset, int count, int? limit = null)
    {
        if (offset < 0 || count < 0 || offset + count > (limit ?? message.Length))
            throw new DnsFormatException("response is truncated");
    }
}
