/* lolwut.c -- LOLWUT: the version, with computer art.
 *
 * LOLWUT [VERSION v] [args]: Redis 7.0 answers its own version ("Redis ver.
 * 7.0.15") and keeps the art of earlier releases behind VERSION: 5 draws
 * Georg Nees's "Schotter" (1968) in Braille characters (a 2x4 dot cell per
 * character: args cols, squares per row, squares per column), 6 a city
 * skyline in four shades of ANSI background colours (args cols, rows).
 * The drawings are random like Redis's (rand()), so only their layout can
 * be compared with redis-server's; the argument checks and the final lines
 * are Redis's word for word, and the first two rows of Schotter (never
 * disordered) are Redis's bytes.
 * Spec: Redis 7.0 lolwut.c, lolwut5.c, lolwut6.c.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "lolwut.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "cmdtable.h"
#include "mem.h"
#include "reply.h"
#include "server.h"
#include "str.h"

/* ---- The canvas: one byte per pixel, its colour ---- */

typedef struct canvas {
    int width, height;
    unsigned char *pixels;
} canvas;

static canvas *canvas_new(int width, int height, int bg) {
    canvas *cv = mem_alloc(sizeof(*cv));
    cv->width = width;
    cv->height = height;
    cv->pixels = mem_alloc((size_t)width * (size_t)height);
    memset(cv->pixels, bg, (size_t)width * (size_t)height);
    return cv;
}

static void canvas_free(canvas *cv) {
    mem_free(cv->pixels);
    mem_free(cv);
}

static void set_pixel(canvas *cv, int x, int y, int color) {
    if (x < 0 || x >= cv->width || y < 0 || y >= cv->height) return;
    cv->pixels[x + y * cv->width] = (unsigned char)color;
}

static int get_pixel(const canvas *cv, int x, int y) {
    if (x < 0 || x >= cv->width || y < 0 || y >= cv->height) return 0;
    return cv->pixels[x + y * cv->width];
}

/* Bresenham's line from (x1,y1) to (x2,y2), both ends drawn. */
static void draw_line(canvas *cv, int x1, int y1, int x2, int y2, int color) {
    int dx = abs(x2 - x1), dy = abs(y2 - y1);
    int sx = x1 < x2 ? 1 : -1, sy = y1 < y2 ? 1 : -1;
    int err = dx - dy;
    for (;;) {
        set_pixel(cv, x1, y1, color);
        if (x1 == x2 && y1 == y2) break;
        int e2 = err * 2;
        if (e2 > -dy) {
            err -= dy;
            x1 += sx;
        }
        if (e2 < dx) {
            err += dx;
            y1 += sy;
        }
    }
}

/* A square of side 'size' centred on (x,y), turned by 'angle' radians. */
static void draw_square(canvas *cv, int x, int y, float size, float angle, int color) {
    int px[4], py[4];
    /* Float and double steps as Redis's, so the same squares come out. */
    size = (float)(size / 1.4142135623); /* the corners are on a circle */
    size = (float)round(size);
    float k = (float)(M_PI / 4 + angle);
    for (int j = 0; j < 4; j++) {
        px[j] = (int)round(sin(k) * size + x);
        py[j] = (int)round(cos(k) * size + y);
        k = (float)(k + M_PI / 2);
    }
    for (int j = 0; j < 4; j++)
        draw_line(cv, px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
}

/* ---- Version 5: Schotter ---- */

static float rand_unit(void) { return (float)rand() / (float)RAND_MAX; }

/* Rows of squares, more disordered (turned and shifted) the lower they are. */
static canvas *draw_schotter(int cols, int per_row, int per_col) {
    int width = cols * 2;
    int pad = width > 4 ? 2 : 0;
    float side = (float)(width - pad * 2) / (float)per_row;
    int height = (int)(side * (float)per_col + (float)(pad * 2));
    canvas *cv = canvas_new(width, height, 0);
    for (int y = 0; y < per_col; y++) {
        for (int x = 0; x < per_row; x++) {
            int sx = (int)((float)x * side + side / 2 + (float)pad);
            int sy = (int)((float)y * side + side / 2 + (float)pad);
            float angle = 0;
            if (y > 1) {
                float r1 = rand_unit() / (float)per_col * (float)y;
                float r2 = rand_unit() / (float)per_col * (float)y;
                float r3 = rand_unit() / (float)per_col * (float)y;
                if (rand() % 2) r1 = -r1;
                if (rand() % 2) r2 = -r2;
                if (rand() % 2) r3 = -r3;
                angle = r1;
                sx = (int)((float)sx + r2 * side / 3);
                sy = (int)((float)sy + r3 * side / 3);
            }
            draw_square(cv, sx, sy, side, angle, 1);
        }
    }
    return cv;
}

/* Each 2x4 block of pixels as one Braille character (U+2800 + dots), in
 * UTF-8; a newline after each row of characters. */
static str *render_braille(const canvas *cv) {
    static const int dot[8][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}};
    str *text = str_new(NULL, 0);
    for (int y = 0; y < cv->height; y += 4) {
        for (int x = 0; x < cv->width; x += 2) {
            int bits = 0;
            for (int b = 0; b < 8; b++)
                if (get_pixel(cv, x + dot[b][0], y + dot[b][1])) bits |= 1 << b;
            int code = 0x2800 + bits;
            char utf8[3] = {(char)(0xE0 | (code >> 12)), (char)(0x80 | ((code >> 6) & 0x3F)),
                            (char)(0x80 | (code & 0x3F))};
            text = str_cat(text, utf8, 3);
        }
        if (y != cv->height - 1) text = str_cat(text, "\n", 1);
    }
    return text;
}

/* Optional argument j of argv, an integer, clamped to [min, max] as
 * Redis does (LOLWUT must stay cheap). */
static bool opt_clamped(client *c, const slice *argv, int argc, int j, long min, long max,
                        long *out) {
    if (argc > j && !arg_long(c, &argv[j], out)) return false;
    if (*out < min) *out = min;
    if (*out > max) *out = max;
    return true;
}

static void lolwut5(client *c, const slice *argv, int argc) {
    long cols = 66, per_row = 8, per_col = 12;
    if (!opt_clamped(c, argv, argc, 1, 1, 1000, &cols) ||
        !opt_clamped(c, argv, argc, 2, 1, 200, &per_row) ||
        !opt_clamped(c, argv, argc, 3, 1, 200, &per_col))
        return;
    canvas *cv = draw_schotter((int)cols, (int)per_row, (int)per_col);
    str *text = render_braille(cv);
    canvas_free(cv);
    text = str_catfmt(text, "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. %s\n",
                      CASTOR_VERSION);
    reply_verbatim(c, text->buf, text->len, "txt");
    str_free(text);
}

/* ---- Version 6: a skyline ---- */

typedef struct building {
    int xoff, width, height, color;
    bool windows;
} building;

/* One building from the bottom row up, its roof two pixels narrower on
 * each side; with windows, random lit panes two pixels wide. */
static void draw_building(canvas *cv, const building *b) {
    int starty = cv->height - 1, endy = starty - b->height + 1;
    for (int y = starty; y >= endy; y--) {
        for (int x = b->xoff; x < b->xoff + b->width; x++) {
            if (y == endy && (x <= b->xoff + 1 || x >= b->xoff + b->width - 2)) continue;
            int color = b->color;
            if (b->windows && x > b->xoff + 1 && x < b->xoff + b->width - 2 && y > endy + 1 &&
                y < starty - 1) {
                int relx = x - (b->xoff + 1), rely = y - (endy + 1);
                if ((relx / 2) % 2 && rely % 2) {
                    do {
                        color = 1 + rand() % 2;
                    } while (color == b->color);
                    if (relx % 2) color = get_pixel(cv, x - 1, y);
                }
            }
            set_pixel(cv, x, y, color);
        }
    }
}

/* Two rows of plain buildings in greys behind a row of black ones with
 * windows. */
static void draw_skyline(canvas *cv) {
    building b;
    for (int color = 2; color >= 1; color--) {
        for (int off = -10; off < cv->width;) {
            off += rand() % 8;
            b.xoff = off;
            b.width = 10 + rand() % 9;
            b.height =
                cv->height / 2 + (color == 2 ? rand() % cv->height / 2 : rand() % cv->height / 3);
            b.windows = false;
            b.color = color;
            draw_building(cv, &b);
            off += color == 2 ? b.width / 2 : b.width + 1;
        }
    }
    for (int off = -10; off < cv->width;) {
        off += rand() % 8;
        b.xoff = off;
        b.width = 5 + rand() % 14;
        if (b.width % 4) b.width += b.width % 3;
        b.height = cv->height / 3 + rand() % cv->height / 2;
        b.windows = true;
        b.color = 0;
        draw_building(cv, &b);
        off += b.width + 5;
    }
}

/* Each pixel a space on an ANSI background: black, two greys, white. */
static str *render_ansi(const canvas *cv) {
    static const char *shade[] = {"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"};
    str *text = str_new(NULL, 0);
    for (int y = 0; y < cv->height; y++) {
        for (int x = 0; x < cv->width; x++)
            text = str_catfmt(text, "\033[%s \033[0m", shade[get_pixel(cv, x, y) & 3]);
        if (y != cv->height - 1) text = str_cat(text, "\n", 1);
    }
    return text;
}

static void lolwut6(client *c, const slice *argv, int argc) {
    long cols = 80, rows = 20;
    if (!opt_clamped(c, argv, argc, 1, 1, 1000, &cols) ||
        !opt_clamped(c, argv, argc, 2, 1, 1000, &rows))
        return;
    canvas *cv = canvas_new((int)cols, (int)rows, 3);
    draw_skyline(cv);
    str *text = render_ansi(cv);
    canvas_free(cv);
    text = str_catfmt(text,
                      "\nDedicated to the 8 bit game developers of past and present.\n"
                      "Original 8 bit image from Plaguemon by hikikomori. Redis ver. %s\n",
                      CASTOR_VERSION);
    reply_verbatim(c, text->buf, text->len, "txt");
    str_free(text);
}

/* ---- LOLWUT ---- */

/* LOLWUT [VERSION v] [args]: v picks the art as Redis does (5 and 4.9: 5;
 * 6 and 5.9: 6; anything else, and no VERSION, this release's text). The
 * args after VERSION v belong to the art. */
static void cmd_lolwut(client *c) {
    char ver[64];
    const slice *argv = c->argv;
    int argc = c->argc;
    snprintf(ver, sizeof(ver), "%s", CASTOR_VERSION);
    if (argc >= 3 && arg_is(&argv[1], "version")) {
        long v;
        if (!arg_long(c, &argv[2], &v)) return;
        snprintf(ver, sizeof(ver), "%u.0.0", (unsigned)v);
        argv += 2;
        argc -= 2;
    }
    if ((ver[0] == '5' && ver[1] == '.' && ver[2] != '9') ||
        (ver[0] == '4' && ver[1] == '.' && ver[2] == '9')) {
        lolwut5(c, argv, argc);
    } else if ((ver[0] == '6' && ver[1] == '.' && ver[2] != '9') ||
               (ver[0] == '5' && ver[1] == '.' && ver[2] == '9')) {
        lolwut6(c, argv, argc);
    } else {
        char text[64];
        int n = snprintf(text, sizeof(text), "Redis ver. %s\n", CASTOR_VERSION);
        reply_verbatim(c, text, (size_t)n, "txt");
    }
}

/* ---- Command table (registered by server.c) ---- */

/* clang-format off */
command lolwut_commands[] = {
    {.name = "lolwut", .proc = cmd_lolwut, .arity = -1, .flags = CMD_READONLY | CMD_FAST,
     .acl = ACL_READ | ACL_FAST},
    {.name = NULL}};
/* clang-format on */
