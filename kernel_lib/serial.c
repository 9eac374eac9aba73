/* serial.c - 16550 UART on COM1, the kernel's only console. */
#include "kernel.h"
#include "x86.h"

#define COM1		0x3F8
#define UART_DATA	0	/* DLAB=0: transmit/receive buffer */
#define UART_DLL	0	/* DLAB=1: divisor latch, low byte */
#define UART_IER	1	/* DLAB=0: interrupt enable */
#define UART_DLM	1	/* DLAB=1: divisor latch, high byte */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */

#define LCR_8N1		0x03	/* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB	0x80	/* divisor latch access */
#define FCR_ENABLE	0x07	/* enable and clear both FIFOs */
#define MCR_DTR_RTS	0x03
#define LSR_THRE	0x20	/* transmitter holding register empty */
#define UART_CLOCK	115200	/* divisor 1 = 115200 baud */
#define BAUD		115200

void serial_init(void)
{
	uint16_t div = UART_CLOCK / BAUD;

	outb(COM1 + UART_IER, 0);		/* we poll; no interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, div & 0xff);
	outb(COM1 + UART_DLM, div >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;
	outb(COM1 + UART_DATA, c);
}

void serial_write(const char *s, size_t n)
{
	while (n--)
		serial_putc(*s++);
}
