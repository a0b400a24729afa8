// originalDestination(fd): the address a TCP connection was sent to before an iptables REDIRECT
// (SO_ORIGINAL_DST for IPv4, IP6T_SO_ORIGINAL_DST for IPv6), read from conntrack by getsockopt.
// Returns { address, port, family } or null when the connection was not redirected (ENOENT).
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

// From linux/netfilter_ipv4.h and linux/netfilter_ipv6/ip6_tables.h, whose other declarations
// clash with the libc headers.
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static napi_value throw_errno(napi_env env, const char *call, int error) {
  char message[160];
  snprintf(message, sizeof message, "%s failed: %s", call, strerror(error));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static napi_value set_string(napi_env env, napi_value object, const char *key, const char *text) {
  napi_value value;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, object, key, value);
  return object;
}

static napi_value original_destination(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "originalDestination(fd): fd must be a socket's file descriptor");
    return NULL;
  }
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &length) != 0) return throw_errno(env, "getsockname", errno);

  struct sockaddr_storage original;
  length = sizeof original;
  int level = local.ss_family == AF_INET6 ? SOL_IPV6 : SOL_IP;
  int option = local.ss_family == AF_INET6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST;
  if (getsockopt(fd, level, option, &original, &length) != 0) {
    if (errno == ENOENT) {
      napi_value none;
      napi_get_null(env, &none);
      return none;
    }
    return throw_errno(env, "getsockopt(SO_ORIGINAL_DST)", errno);
  }

  char text[INET6_ADDRSTRLEN];
  uint16_t port;
  if (original.ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&original;
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  } else {
    struct sockaddr_in *in4 = (struct sockaddr_in *)&original;
    inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text);
    port = ntohs(in4->sin_port);
  }
  napi_value result, port_value;
  napi_create_object(env, &result);
  set_string(env, result, "address", text);
  set_string(env, result, "family", original.ss_family == AF_INET6 ? "IPv6" : "IPv4");
  napi_create_uint32(env, port, &port_value);
  napi_set_named_property(env, result, "port", port_value);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value function;
  napi_create_function(env, "originalDestination", NAPI_AUTO_LENGTH, original_destination, NULL, &function);
  napi_set_named_property(env, exports, "originalDestination", function);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
