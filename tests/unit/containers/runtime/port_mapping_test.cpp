#include "containers/runtime/port_mapping.h"

#include <gtest/gtest.h>

using namespace vmlet;

TEST(PortMapping, DockerPublishForms)
{
    auto plain = PortMapping::parse("8080:80").release_value();
    EXPECT_EQ(plain.host_ip, "0.0.0.0");
    EXPECT_EQ(plain.host_port, 8080);
    EXPECT_EQ(plain.container_port, 80);
    auto bound = PortMapping::parse("127.0.0.1:9000:90/tcp").release_value();
    EXPECT_EQ(bound.host_ip, "127.0.0.1");
    EXPECT_EQ(bound.host_port, 9000);
    EXPECT_EQ(bound.container_port, 90);
}

TEST(PortMapping, TakesTcpOrUdp)
{
    EXPECT_EQ(PortMapping::parse("8080:80").value().protocol, PortMapping::Protocol::Tcp);
    EXPECT_EQ(PortMapping::parse("8080:80/tcp").value().protocol, PortMapping::Protocol::Tcp);
    auto udp = PortMapping::parse("127.0.0.1:5353:53/udp").value();
    EXPECT_EQ(udp.protocol, PortMapping::Protocol::Udp);
    EXPECT_EQ(udp.host_ip, "127.0.0.1");
    EXPECT_EQ(udp.container_port, 53);
}

TEST(PortMapping, BadFormsNameTheProblem)
{
    EXPECT_NE(PortMapping::parse("80").error().message().find("HOST_PORT:CONTAINER_PORT"), std::string::npos);
    EXPECT_NE(PortMapping::parse("1:99999").error().message().find("'99999' is not a port"), std::string::npos);
    EXPECT_NE(PortMapping::parse("0:80").error().message().find("'0' is not a port"), std::string::npos);
    EXPECT_NE(PortMapping::parse("8080:80/sctp").error().message().find("the protocol is tcp or udp"), std::string::npos);
    EXPECT_NE(PortMapping::parse("localhost:8080:80").error().message().find("not an IPv4 address"), std::string::npos);
    EXPECT_FALSE(PortMapping::parse("a:b").ok());
}
