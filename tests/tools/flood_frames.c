/* flood_frames.c: a hostile client for the broker's memory bound. It speaks
 * ZMTP 3.0 with CURVE itself (libsodium), as a key holder could, and after
 * the handshake sends frames of one message, each flagged "more", without
 * ever sending the last one. libzmq itself cannot do this (a libzmq socket
 * hands a message to its connection only when the message is complete),
 * and a broker on libzmq keeps every frame of an unfinished message.
 *
 *   duban-flood-frames HOST PORT BROKER_KEY CLIENT_KEY FRAME_BYTES SECONDS
 *
 * Keys are the zcert files `duban keygen` writes. When the broker drops
 * the connection it connects again and goes on, until SECONDS passed; then
 * prints how many frames it sent and how often it was dropped. Exits 1
 * when the first handshake fails. */
#include <arpa/inet.h>
#include <czmq.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;

static int
write_all(const uint8_t *p, size_t n)
{
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int
read_all(uint8_t *p, size_t n)
{
  while (n > 0) {
    ssize_t r = recv(fd, p, n, 0);
    if (r <= 0)
      return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static void
be64(uint8_t *out, uint64_t v)
{
  for (int i = 7; i >= 0; i--, v >>= 8)
    out[i] = (uint8_t)v;
}

/* One ZMTP frame: flags 0x04 command, 0x02 long size, 0x01 more. */
static int
send_frame(uint8_t flags, const uint8_t *body, size_t len)
{
  uint8_t head[9];
  size_t head_len;
  if (len > 255) {
    head[0] = flags | 0x02;
    be64(head + 1, len);
    head_len = 9;
  } else {
    head[0] = flags;
    head[1] = (uint8_t)len;
    head_len = 2;
  }
  return write_all(head, head_len) || write_all(body, len) ? -1 : 0;
}

static int
recv_frame(uint8_t *body, size_t cap, size_t *len_p)
{
  uint8_t flags;
  if (read_all(&flags, 1))
    return -1;
  uint64_t len = 0;
  if (flags & 0x02) {
    uint8_t b[8];
    if (read_all(b, 8))
      return -1;
    for (int i = 0; i < 8; i++)
      len = len << 8 | b[i];
  } else {
    uint8_t b;
    if (read_all(&b, 1))
      return -1;
    len = b;
  }
  if (len > cap)
    return -1;
  *len_p = (size_t)len;
  return read_all(body, (size_t)len);
}

static void
nonce_of(uint8_t nonce[24], const char *prefix16, uint64_t counter)
{
  memcpy(nonce, prefix16, 16);
  be64(nonce + 16, counter);
}

/* Connect, shake hands, send frames until end or the broker drops the
 * connection (returns 0) or the handshake fails (-1). */
static int
flood_once(const char *host, int port, const uint8_t *S, const uint8_t *C, const uint8_t *c,
           size_t frame_bytes, time_t end, unsigned long long *sent_p)
{
  fd = socket(AF_INET, SOCK_STREAM, 0);
  /* A connection the broker shut down can leave a send waiting against a
   * closed window until the kernel gives up (a minute): give up after a
   * second and connect again, as a determined flooder would. */
  struct timeval give_up = {.tv_sec = 1};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &give_up, sizeof give_up);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("connect");
    return -1;
  }
  /* Greeting: signature, version 3.0, mechanism CURVE, as client. */
  uint8_t greeting[64] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0};
  memcpy(greeting + 12, "CURVE", 5);
  uint8_t peer[64];
  if (write_all(greeting, 64) || read_all(peer, 64)) {
    fprintf(stderr, "no greeting\n");
    return -1;
  }
  uint8_t cp[32], cs[32]; /* the transient pair C', c' */
  crypto_box_keypair(cp, cs);
  uint64_t counter = 1;
  uint8_t nonce[24];

  /* HELLO: version, padding, C', short nonce, Box[64 zeros](C'->S). */
  uint8_t hello[200] = {5, 'H', 'E', 'L', 'L', 'O', 1, 0};
  memcpy(hello + 80, cp, 32);
  be64(hello + 112, counter);
  uint8_t zeros[64] = {0};
  nonce_of(nonce, "CurveZMQHELLO---", counter++);
  if (crypto_box_easy(hello + 120, zeros, 64, nonce, S, cs) != 0 || send_frame(0x04, hello, sizeof hello)) {
    fprintf(stderr, "cannot send HELLO\n");
    return -1;
  }
  /* WELCOME: long nonce, Box[S' + cookie](S->C'). */
  uint8_t welcome[256];
  size_t len;
  uint8_t plain[1024];
  if (recv_frame(welcome, sizeof welcome, &len) || len != 168 || memcmp(welcome, "\x07WELCOME", 8) != 0) {
    fprintf(stderr, "no WELCOME (is the key known to the broker?)\n");
    return -1;
  }
  memcpy(nonce, "WELCOME-", 8);
  memcpy(nonce + 8, welcome + 8, 16);
  if (crypto_box_open_easy(plain, welcome + 24, 144, nonce, S, cs) != 0) {
    fprintf(stderr, "WELCOME does not open\n");
    return -1;
  }
  uint8_t sp[32], cookie[96];
  memcpy(sp, plain, 32);
  memcpy(cookie, plain + 32, 96);

  /* INITIATE: cookie, short nonce, Box[C + vouch + metadata](C'->S'). */
  uint8_t vouch_plain[64], vouch_nonce[24];
  memcpy(vouch_plain, cp, 32);
  memcpy(vouch_plain + 32, S, 32);
  memcpy(vouch_nonce, "VOUCH---", 8);
  randombytes_buf(vouch_nonce + 8, 16);
  uint8_t inner[256];
  size_t inner_len = 0;
  memcpy(inner, C, 32);
  memcpy(inner + 32, vouch_nonce + 8, 16);
  if (crypto_box_easy(inner + 48, vouch_plain, 64, vouch_nonce, sp, c) != 0)
    return -1;
  inner_len = 48 + 80;
  static const char name[] = "Socket-Type", value[] = "DEALER";
  inner[inner_len++] = (uint8_t)strlen(name);
  memcpy(inner + inner_len, name, strlen(name));
  inner_len += strlen(name);
  inner[inner_len++] = 0;
  inner[inner_len++] = 0;
  inner[inner_len++] = 0;
  inner[inner_len++] = (uint8_t)strlen(value);
  memcpy(inner + inner_len, value, strlen(value));
  inner_len += strlen(value);
  uint8_t initiate[512] = {8, 'I', 'N', 'I', 'T', 'I', 'A', 'T', 'E'};
  memcpy(initiate + 9, cookie, 96);
  be64(initiate + 105, counter);
  nonce_of(nonce, "CurveZMQINITIATE", counter++);
  if (crypto_box_easy(initiate + 113, inner, inner_len, nonce, sp, cs) != 0 ||
      send_frame(0x04, initiate, 113 + inner_len + crypto_box_MACBYTES)) {
    fprintf(stderr, "cannot send INITIATE\n");
    return -1;
  }
  uint8_t ready[512];
  if (recv_frame(ready, sizeof ready, &len) || len < 6 || memcmp(ready, "\x05READY", 6) != 0) {
    fprintf(stderr, "no READY (the broker refused the key?)\n");
    return -1;
  }
  uint8_t precomputed[crypto_box_BEFORENMBYTES];
  if (crypto_box_beforenm(precomputed, sp, cs) != 0)
    return -1;

  /* MESSAGE frames, each "more": short nonce, Box[flags + payload](C'->S'). */
  uint8_t *payload = calloc(1, frame_bytes + 1);
  uint8_t *frame = malloc(16 + frame_bytes + 1 + crypto_box_MACBYTES);
  if (!payload || !frame)
    return -1;
  payload[0] = 0x01; /* more */
  memcpy(frame, "\x07MESSAGE", 8);
  signal(SIGPIPE, SIG_IGN);
  unsigned long long sent = 0;
  while (time(NULL) < end) {
    be64(frame + 8, counter);
    nonce_of(nonce, "CurveZMQMESSAGEC", counter++);
    if (crypto_box_easy_afternm(frame + 16, payload, frame_bytes + 1, nonce, precomputed) != 0 ||
        send_frame(0x01, frame, 16 + frame_bytes + 1 + crypto_box_MACBYTES)) {
      *sent_p += sent;
      free(payload);
      free(frame);
      close(fd);
      return 0;
    }
    sent++;
  }
  *sent_p += sent;
  free(payload);
  free(frame);
  close(fd);
  return 1;
}

int
main(int argc, char **argv)
{
  if (argc != 7) {
    fprintf(stderr, "usage: %s HOST PORT BROKER_KEY CLIENT_KEY FRAME_BYTES SECONDS\n", argv[0]);
    return 2;
  }
  if (sodium_init() < 0)
    return 1;
  zcert_t *server = zcert_load(argv[3]), *client = zcert_load(argv[4]);
  if (!server || !client) {
    fprintf(stderr, "cannot load the keys\n");
    return 1;
  }
  const uint8_t *S = zcert_public_key(server), *C = zcert_public_key(client), *c = zcert_secret_key(client);
  size_t frame_bytes = (size_t)strtoull(argv[5], NULL, 10);
  int seconds = atoi(argv[6]);

  time_t end = time(NULL) + seconds;
  unsigned long long sent = 0;
  int drops = 0;
  while (time(NULL) < end) {
    int rc = flood_once(argv[1], atoi(argv[2]), S, C, c, frame_bytes, end, &sent);
    if (rc < 0 && drops == 0)
      return 1;
    if (rc == 1)
      break;
    if (rc == 0)
      drops++;
    usleep(100 * 1000);
  }
  printf("frames sent: %llu; dropped by the broker %d times\n", sent, drops);
  zcert_destroy(&server);
  zcert_destroy(&client);
  return 0;
}
