using System.Net;
using Missions.Grpc.Webhooks;

using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Unit.Webhooks;

/// <summary>Webhooks go to public addresses only: the URL as written, its name as resolved.</summary>
public sealed class WebhookAddressPolicyTests
{
    [Theory]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("100.64.0.1", "shared/CGNAT")]
    [InlineData("100.100.100.200", "shared/CGNAT")] // Alibaba Cloud metadata
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("169.254.169.254", "link-local")] // cloud metadata
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.0.0.170", "IETF protocol assignments")]
    [InlineData("192.0.2.1", "documentation")]
    [InlineData("192.88.99.1", "6to4 relay")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("198.19.255.255", "benchmarking")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.9", "documentation")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved/broadcast")]
    [InlineData("255.255.255.255", "reserved/broadcast")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")] // IPv4-mapped
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::10.0.0.1", "private")] // IPv4-compatible (deprecated, still parsed)
    [InlineData("64:ff9b::7f00:1", "loopback")] // NAT64 of 127.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")] // NAT64 of 169.254.169.254
    [InlineData("64:ff9b:1::1", "local-use NAT64")]
    [InlineData("2002:7f00:1::1", "loopback")] // 6to4 of 127.0.0.1
    [InlineData("2002:c0a8:101::1", "private")] // 6to4 of 192.168.1.1
    [InlineData("100::1", "discard-only")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF protocol assignments")] // Teredo
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("3fff::1", "documentation")]
    [InlineData("fc00::1", "unique-local/private")]
    [InlineData("fd00:ec2::254", "unique-local/private")] // AWS IPv6 metadata
    [InlineData("fe80::1", "link-local")]
    [InlineData("fe80::1%2", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("4000::1", "reserved")] // outside 2000::/3
    public void Non_public_addresses_are_refused_and_their_range_named(string address, string range)
    {
        Assert.True(WebhookAddressPolicy.IsRefused(IPAddress.Parse(address)));
        Assert.Equal(range, WebhookAddressPolicy.RefusedRange(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("100.63.255.255")] // just below CGNAT
    [InlineData("172.32.0.1")] // just above 172.16/12
    [InlineData("198.20.0.1")] // just above benchmarking
    [InlineData("223.255.255.255")] // just below multicast
    [InlineData("2606:2800:220:1:248:1893:25c8:1946")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::ffff:93.184.216.34")]
    [InlineData("64:ff9b::5db8:d822")] // NAT64 of 93.184.216.34
    [InlineData("2002:5db8:d822::1")] // 6to4 of 93.184.216.34
    public void Public_addresses_are_allowed(string address) =>
        Assert.False(WebhookAddressPolicy.IsRefused(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://hooks.example.com/missions?tenant=1", false, null)]
    [InlineData("https://hooks.example.com:8443/x", false, null)]
    [InlineData("https://93.184.216.34/hook", false, null)]
    [InlineData("https://[2606:2800:220:1:248:1893:25c8:1946]/hook", false, null)]
    [InlineData("http://hooks.example.com/", false, "scheme must be https, not http")]
    [InlineData("http://hooks.example.com/", true, null)]
    [InlineData("ftp://hooks.example.com/", false, "scheme must be https, not ftp")]
    [InlineData("ftp://hooks.example.com/", true, "scheme must be https or http, not ftp")]
    [InlineData("file:///etc/passwd", false, "scheme must be https, not file")]
    [InlineData("/webhooks", false, "must be absolute")]
    [InlineData("hooks.example.com/x", false, "must be absolute")]
    [InlineData("", false, "empty")]
    [InlineData("https://user:secret@hooks.example.com/", false, "user name or password")]
    [InlineData("https://169.254.169.254/latest/meta-data/", false, "refused range (link-local)")]
    [InlineData("https://[::1]/", false, "host ::1 is in a refused range (loopback)")]
    [InlineData("https://[::ffff:10.0.0.1]/", false, "refused range (private)")]
    [InlineData("https://[fd00:ec2::254]/", false, "refused range (unique-local/private)")]
    [InlineData("https://2130706433/", false, "host 127.0.0.1 is in a refused range (loopback)")] // decimal IPv4
    [InlineData("https://0x7f.1/", false, "refused range (loopback)")]
    [InlineData("https://localhost/", false, "special-use domain .localhost")]
    [InlineData("https://LOCALHOST./", false, "special-use domain .localhost")]
    [InlineData("https://app.localhost/", false, "special-use domain .localhost")]
    [InlineData("https://metadata.google.internal/", false, "special-use domain .internal")]
    [InlineData("https://printer.local/", false, "special-use domain .local")]
    [InlineData("https://router.home.arpa/", false, "special-use domain .home.arpa")]
    [InlineData("https://metadata/", false, "single-label name")]
    public void Urls_are_checked_as_written(string url, bool allowHttp, string? problem)
    {
        var found = WebhookAddressPolicy.UrlProblem(url, new WebhookOptions { AllowHttp = allowHttp });
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.NotNull(found);
            Assert.Contains(problem, found);
        }
    }

    [Theory]
    [InlineData("https://127.0.0.1:8080/hook")]
    [InlineData("https://[::1]/")]
    [InlineData("https://localhost/")]
    [InlineData("https://receiver/")]
    public void Allowing_private_networks_lifts_the_address_and_name_rules(string url) =>
        Assert.Null(WebhookAddressPolicy.UrlProblem(url, new WebhookOptions { AllowPrivateNetworks = true }));

    [Theory]
    [InlineData("ftp://127.0.0.1/", "scheme")]
    [InlineData("https://u:p@127.0.0.1/", "user name")]
    public void Allowing_private_networks_keeps_the_other_rules(string url, string problem) =>
        Assert.Contains(problem, WebhookAddressPolicy.UrlProblem(url, new WebhookOptions { AllowPrivateNetworks = true }));

    [Fact]
    public void A_url_longer_than_the_limit_is_refused()
    {
        var options = new WebhookOptions { MaxUrlLength = 64 };
        var url = "https://hooks.example.com/";
        Assert.Null(WebhookAddressPolicy.UrlProblem(url + new string('a', 64 - url.Length), options));
        Assert.Equal("The URL is longer than 64 characters.", WebhookAddressPolicy.UrlProblem(url + new string('a', 65 - url.Length), options));
    }

    [Fact]
    public void A_host_name_longer_than_dns_carries_is_refused()
    {
        var host = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".example.com";
        Assert.Contains("host name is longer than 253 characters", WebhookAddressPolicy.UrlProblem($"https://{host}/", new WebhookOptions()));
    }

    [Fact]
    public async Task A_name_is_refused_when_any_of_its_addresses_is_refused()
    {
        var dns = new FakeDnsResolver()
            .Answer("hooks.example.com", "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
            .Answer("mixed.example.com", "93.184.216.34", "10.1.2.3");
        var options = new WebhookOptions();

        Assert.Null(await WebhookAddressPolicy.ResolvedProblemAsync(new Uri("https://hooks.example.com/"), dns, options, default));
        Assert.Equal(
            "The URL's host mixed.example.com resolves to 10.1.2.3, which is in a refused range (private): webhooks are delivered to public addresses only.",
            await WebhookAddressPolicy.ResolvedProblemAsync(new Uri("https://mixed.example.com/"), dns, options, default));
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_accepted_for_now_and_checked_again_at_connect()
    {
        var dns = new FakeDnsResolver();
        Assert.Null(await WebhookAddressPolicy.ResolvedProblemAsync(new Uri("https://nowhere.example.com/"), dns, new WebhookOptions(), default));
        Assert.Equal(1, dns.Lookups);
    }

    [Fact]
    public async Task Address_literals_are_judged_without_a_lookup_and_private_networks_skip_the_check()
    {
        var dns = new FakeDnsResolver().Answer("inside.example.com", "192.168.0.10");
        Assert.Contains("refused range (loopback)", await WebhookAddressPolicy.ResolvedProblemAsync(new Uri("https://[::1]/"), dns, new WebhookOptions(), default));
        Assert.Null(await WebhookAddressPolicy.ResolvedProblemAsync(new Uri("https://inside.example.com/"), dns, new WebhookOptions { AllowPrivateNetworks = true }, default));
        Assert.Equal(0, dns.Lookups);
    }
}
