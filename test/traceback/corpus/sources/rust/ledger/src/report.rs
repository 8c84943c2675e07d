pub fn print_row(values: &[u32], column: usize) {
    let cell = values[column];
    println!("{}", cell);
}
